//! Every rejection the RA makes is RFC 9457 problem+json with a code its
//! OpenAPI document names, including the ones the HTTP framework would make
//! on its own: a path number that is not one, a JSON body without the JSON
//! content type, bad JSON syntax, unknown or mistyped fields, a body over the
//! size limit, a method the path does not have, a path that does not exist.
//! The test walks every operation of server/openapi.json with each class of
//! bad input that applies to it, against the real binary over HTTPS, logged
//! in (so that the session check does not answer first).
#![allow(clippy::unwrap_used)] // a test: a failed unwrap is a failed run

mod support;

use serde_json::Value;
use support::*;

/// The server's body limit in this test (config `limits.max_body_bytes`).
const MAX_BODY: usize = 4096;

/// One bad request and the rejection it must get.
struct Case {
    method: String,
    template: String,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    code: &'static str,
}

fn token(s: &Server) -> String {
    let files = s.enroll(&iin(2121), "p256", &[]);
    let auth = files
        .iter()
        .find(|f| {
            f.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("AUTH_")
        })
        .unwrap();
    let (key, cert) = open_key(auth);
    s.login(&key, &cert)
}

/// The path with its parameters filled: integers with `number`, others with
/// a plausible name.
fn fill(template: &str, number: &str) -> String {
    template
        .split('/')
        .map(|segment| match segment {
            "{number}" | "{id}" => number.to_string(),
            "{file}" => "root.crl".to_string(),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every bad request the document's operations admit.
fn cases(doc: &Value) -> Vec<Case> {
    let mut cases = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        let methods: Vec<&String> = item.as_object().unwrap().keys().collect();
        // A method the path does not have.
        let absent = ["get", "put", "post", "delete", "patch"]
            .into_iter()
            .find(|m| !methods.iter().any(|k| k.as_str() == *m))
            .unwrap();
        cases.push(Case {
            method: absent.to_ascii_uppercase(),
            template: template.clone(),
            path: fill(template, "1"),
            content_type: None,
            body: Vec::new(),
            status: 405,
            code: "method-not-allowed",
        });
        for (method, operation) in item.as_object().unwrap() {
            let case = |path: String, content_type, body: &[u8], status, code| Case {
                method: method.to_ascii_uppercase(),
                template: template.clone(),
                path,
                content_type,
                body: body.to_vec(),
                status,
                code,
            };
            let integer_parameter = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["in"] == "path" && p["schema"]["type"] == "integer");
            if integer_parameter {
                for not_a_number in ["x", "1.5", "99999999999999999999999", "-"] {
                    cases.push(case(
                        fill(template, not_a_number),
                        None,
                        b"",
                        400,
                        "bad-path",
                    ));
                }
            }
            let Some(content) = operation["requestBody"]["content"].as_object() else {
                continue;
            };
            let path = fill(template, "1");
            let media = content.keys().next().unwrap().as_str();
            let media: &'static str = match media {
                "application/json" => "application/json",
                "application/cms" => "application/cms",
                "application/ocsp-request" => "application/ocsp-request",
                other => panic!("a request body of type {other}: add it to this test"),
            };
            // Over the limit, whatever the type.
            cases.push(case(
                path.clone(),
                Some(media),
                &vec![b' '; MAX_BODY + 1],
                413,
                "too-large",
            ));
            if media == "application/json" {
                cases.push(case(
                    path.clone(),
                    None,
                    b"{}",
                    415,
                    "unsupported-media-type",
                ));
                cases.push(case(
                    path.clone(),
                    Some("text/plain"),
                    b"{}",
                    415,
                    "unsupported-media-type",
                ));
                for bad in [&b"{"[..], b"", b"\x00", b"{,}", b"tru"] {
                    cases.push(case(path.clone(), Some(media), bad, 400, "bad-json"));
                }
                for wrong in [
                    &b"{\"no such field\": 1}"[..],
                    b"8",
                    b"null",
                    b"[]",
                    b"{\"code\": 1, \"platform\": 2, \"notifications\": 3}",
                ] {
                    cases.push(case(path.clone(), Some(media), wrong, 400, "invalid-input"));
                }
            }
        }
    }
    // A path that is not one.
    for path in [
        "/v1/nothing",
        "/",
        "/v1/applications/1/nothing",
        "/v2/health",
    ] {
        cases.push(Case {
            method: "GET".into(),
            template: path.into(),
            path: path.into(),
            content_type: None,
            body: Vec::new(),
            status: 404,
            code: "not-found",
        });
    }
    cases
}

/// Where the document names `code` for `status` of the operation (or, for
/// a path or method it does not have, in its shared responses).
fn documented(doc: &Value, case: &Case) -> bool {
    let response = doc["paths"]
        .get(&case.template)
        .and_then(|item| item.get(case.method.to_ascii_lowercase()))
        .map(|operation| &operation["responses"][case.status.to_string()])
        .cloned()
        .unwrap_or_else(|| {
            let name = match case.status {
                404 => "NotFound",
                405 => "MethodNotAllowed",
                _ => "",
            };
            serde_json::json!({ "$ref": format!("#/components/responses/{name}") })
        });
    let response = match response["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap();
            doc["components"]["responses"][name].clone()
        }
        None => response,
    };
    response.to_string().contains(&format!("`{}`", case.code))
}

#[test]
fn every_rejection_is_a_documented_problem() {
    let s = Server::start(|config| {
        *config = config.replace(
            "max_body_bytes = 262144",
            &format!("max_body_bytes = {MAX_BODY}"),
        );
    });
    let token = token(&s);
    let doc = qoltanba_testkit::openapi::document();
    let cases = cases(&doc);
    assert!(cases.len() > 60, "only {} cases", cases.len());
    let mut wrong = Vec::new();
    for case in &cases {
        let mut headers = Vec::new();
        if let Some(content_type) = case.content_type {
            headers.push(("content-type", content_type));
        }
        let what = format!(
            "{} {} ({} bytes of {:?})",
            case.method,
            case.path,
            case.body.len(),
            case.content_type
        );
        // `request` also checks the answer against the document: its status
        // declared for the operation, a JSON body valid against its schema.
        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            s.request(
                &case.method,
                &case.path,
                Some(&token),
                &headers,
                Some(&case.body),
            )
        }));
        let Ok((status, response_headers, body)) = answer else {
            wrong.push(format!("{what}: the answer is not in openapi.json"));
            continue;
        };
        let content_type = response_headers
            .iter()
            .find(|(k, _)| k == "content-type")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        let problem: Option<Value> = serde_json::from_slice(&body).ok();
        let code = problem
            .as_ref()
            .and_then(|p| p["code"].as_str())
            .unwrap_or("");
        if content_type != "application/problem+json"
            || status != case.status
            || code != case.code
            || problem.as_ref().map(|p| p["status"].as_u64()) != Some(Some(status.into()))
        {
            wrong.push(format!(
                "{what}: {status} {content_type} {:?}, expected {} {}",
                String::from_utf8_lossy(&body),
                case.status,
                case.code
            ));
            continue;
        }
        if !documented(&doc, case) {
            wrong.push(format!(
                "{what}: code `{code}` is not named in openapi.json for {} {} {status}",
                case.method, case.template
            ));
        }
        if status == 405
            && !response_headers
                .iter()
                .any(|(k, v)| k == "allow" && !v.is_empty())
        {
            wrong.push(format!("{what}: 405 without Allow"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} rejections are wrong:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}
