//! The RA's OpenAPI document (server/openapi.json) and a validator for the
//! subset of JSON Schema it uses, for the tests that hold the server's
//! answers and the wire types against it.

use serde_json::Value;

/// The document, as the RA serves it.
pub fn document() -> Value {
    serde_json::from_str(qoltanba_ra::api::OPENAPI).expect("openapi.json is JSON")
}

/// Where `schema` violates the subset of JSON Schema the document uses:
/// `$ref` (to components), `type`, `enum`, `required`, `properties`,
/// `items`, `additionalProperties: false`.
pub fn violations(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{at}: unsupported $ref {reference}"));
        return violations(doc, &doc["components"]["schemas"][name], value, at);
    }
    let mut found = Vec::new();
    if let Some(kind) = schema.get("type").and_then(Value::as_str) {
        let ok = match kind {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            other => panic!("{at}: unsupported type {other}"),
        };
        if !ok {
            found.push(format!("{at}: {value} is not a {kind}"));
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        found.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(object) = value.as_object() {
        for field in schema["required"].as_array().into_iter().flatten() {
            let field = field.as_str().expect("required names are strings");
            if !object.contains_key(field) {
                found.push(format!("{at}: required {field} is missing"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, v) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(sub) => found.extend(violations(doc, sub, v, &format!("{at}.{name}"))),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    found.push(format!("{at}: {name} is not allowed"));
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            found.extend(violations(doc, items, v, &format!("{at}[{i}]")));
        }
    }
    found
}
