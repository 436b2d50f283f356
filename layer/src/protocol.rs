//! NCALayer's wire protocol: what a page sends, what it gets back. Pure
//! parsing and shaping, no socket and no key, so it is tested on its own.
//!
//! Two reply families, as the real NCALayer answers (recorded in
//! ncalayer-js-client's test data; docs/ncalayer.md lists them all):
//!
//! - `kz.gov.pki.knca.commonUtils`: `{"code":"200","responseObject":…}` or
//!   `{"code":"500","message":…}` (`action.canceled` when the citizen
//!   declines; `java.lang.IllegalArgumentException: argument type mismatch.
//!   Method: NAME` for arguments of the wrong type, word for word, because
//!   pages match on it).
//! - `kz.gov.pki.knca.basics`: `{"status":true,"body":{"result":[…]}}`,
//!   `{"status":true,"body":{}}` when the citizen declines, or
//!   `{"status":false,"code":…,"message":…,"details":…}`.

use serde_json::{Map, Value, json};

/// The first frame on every connection: the protocol version NCALayer 1.4 reports.
pub const GREETING: &str = r#"{"result":{"version":"1.4"}}"#;

/// Pages send this to keep the socket open; it is echoed as it came.
pub const HEARTBEAT: &str = "--heartbeat--";

pub const COMMON_UTILS: &str = "kz.gov.pki.knca.commonUtils";
pub const BASICS: &str = "kz.gov.pki.knca.basics";

/// The storage name of NCA key files, as portals ask for them.
pub const STORAGE_PKCS12: &str = "PKCS12";
/// The Kazakh ID card's storage name.
pub const STORAGE_ID_CARD: &str = "AKKZIDCardStore";

/// Which of the citizen's keys a commonUtils request wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// `SIGNATURE`: a key whose certificate is for signing.
    Signature,
    /// `AUTHENTICATION`: a key whose certificate is for logging in.
    Authentication,
    /// Anything else: the citizen may choose any key (as NCALayer does).
    Any,
}

impl KeyType {
    fn from_wire(s: &str) -> Self {
        match s {
            "SIGNATURE" => Self::Signature,
            "AUTHENTICATION" => Self::Authentication,
            _ => Self::Any,
        }
    }
}

/// What is signed, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// CMS over each document (bytes already decoded). `digested`: each
    /// item is the hash of the document, not the document.
    Cms {
        documents: Vec<Vec<u8>>,
        attach: bool,
        digested: bool,
        /// CAdES-BES (the signing-certificate attribute NCA writes) rather
        /// than plain CMS; `createCAdES…` and `basics` ask for it.
        cades: bool,
        /// A time-stamp from the configured TSA (basics' `tsaProfile`).
        timestamp: bool,
    },
    /// An enveloped XML signature in each document.
    Xml {
        documents: Vec<String>,
        tbs_element_xpath: String,
        signature_parent_xpath: String,
    },
}

impl Payload {
    pub fn count(&self) -> usize {
        match self {
            Self::Cms { documents, .. } => documents.len(),
            Self::Xml { documents, .. } => documents.len(),
        }
    }
}

/// Which keys may sign a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFilter {
    /// The storages the page allows; `None`: any.
    pub storages: Option<Vec<String>>,
    pub key_type: KeyType,
    /// Every one of these must be in the certificate's extended key usage.
    pub ext_key_usage_oids: Vec<String>,
}

/// How the reply to a signing request is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// commonUtils, one signature in `responseObject`.
    CommonOne,
    /// commonUtils, an array in `responseObject` (`signXmls`).
    CommonMany,
    /// basics: always an array in `body.result`.
    Basics,
}

/// A signing request, whatever method it came by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignRequest {
    pub method: &'static str,
    pub filter: KeyFilter,
    pub payload: Payload,
    pub shape: Shape,
    /// basics' `outputCert`: the signer's certificate travels with the reply.
    pub output_cert: bool,
}

/// A request the service acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    GetActiveTokens,
    /// The certificate facts of a key the citizen chooses in `storage`.
    GetKeyInfo {
        storage: String,
    },
    Sign(Box<SignRequest>),
    ChangeLocale {
        locale: String,
    },
}

/// A frame as read: to act on, to echo, or already answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Heartbeat,
    Request(Request),
    /// Not a request the service can act on; the reply says why.
    Refused(Reply),
}

/// One reply frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply(pub Value);

impl Reply {
    pub fn to_text(&self) -> String {
        self.0.to_string()
    }

    /// commonUtils success.
    pub fn ok(response_object: Value) -> Self {
        Self(json!({"code": "200", "responseObject": response_object}))
    }

    /// commonUtils success without a result (`changeLocale`).
    pub fn ok_empty() -> Self {
        Self(json!({"code": "200"}))
    }

    /// commonUtils failure.
    pub fn common_error(message: impl Into<String>) -> Self {
        Self(json!({"code": "500", "message": message.into()}))
    }

    /// What NCALayer says, word for word, when an argument has the wrong type.
    pub fn type_mismatch(method: &str) -> Self {
        Self::common_error(format!(
            "java.lang.IllegalArgumentException: argument type mismatch. Method: {method}"
        ))
    }

    /// The citizen declined (commonUtils).
    pub fn canceled() -> Self {
        Self::common_error("action.canceled")
    }

    /// basics success: always an array.
    pub fn basics_ok(results: Vec<Value>) -> Self {
        Self(json!({"status": true, "body": {"result": results}}))
    }

    /// The citizen declined (basics: success without a result).
    pub fn basics_canceled() -> Self {
        Self(json!({"status": true, "body": {}}))
    }

    pub fn basics_error(
        code: &str,
        message: impl Into<String>,
        details: impl Into<String>,
    ) -> Self {
        Self(json!({
            "status": false,
            "code": code,
            "message": message.into(),
            "details": details.into(),
        }))
    }

    /// A module qoltanba does not have (KAZTOKEN's extensions, the legacy
    /// applet's `kz.gov.pki.knca.applet.Applet`, …). Shaped as basics
    /// errors are: both client families read `status:false` as a failure.
    pub fn module_not_found(module: &str) -> Self {
        Self::basics_error(
            "MODULE_NOT_FOUND",
            "Module not found.",
            format!("qoltanba has no module {module}"),
        )
    }

    /// The reply, in the family of `shape`, for a failure.
    pub fn error_for(shape: Shape, code: &str, message: &str) -> Self {
        match shape {
            Shape::Basics => Self::basics_error(code, message, message),
            _ => Self::common_error(message),
        }
    }

    pub fn canceled_for(shape: Shape) -> Self {
        match shape {
            Shape::Basics => Self::basics_canceled(),
            _ => Self::canceled(),
        }
    }
}

/// Read one text frame.
pub fn parse(text: &str) -> Frame {
    if text == HEARTBEAT {
        return Frame::Heartbeat;
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            return Frame::Refused(Reply::common_error(format!(
                "the request is not JSON ({e}); send {{\"module\":…,\"method\":…,\"args\":…}}"
            )));
        }
    };
    let Some(object) = value.as_object() else {
        return Frame::Refused(Reply::common_error(
            "the request is not a JSON object; send {\"module\":…,\"method\":…,\"args\":…}",
        ));
    };
    let module = object.get("module").and_then(Value::as_str).unwrap_or("");
    let method = object.get("method").and_then(Value::as_str).unwrap_or("");
    let args = object.get("args").unwrap_or(&Value::Null);
    match module {
        COMMON_UTILS => common_utils(method, args),
        BASICS => basics(method, args),
        other => Frame::Refused(Reply::module_not_found(other)),
    }
}

/// commonUtils arguments are positional, as the Java methods take them.
fn common_utils(method: &str, args: &Value) -> Frame {
    let none = Vec::new();
    let args = args.as_array().unwrap_or(&none);
    let string = |i: usize| args.get(i).and_then(Value::as_str);
    let mismatch = || Frame::Refused(Reply::type_mismatch(method));
    let method_name: &'static str = match method {
        "getActiveTokens" => return Frame::Request(Request::GetActiveTokens),
        "getKeyInfo" => {
            return match string(0) {
                Some(storage) => Frame::Request(Request::GetKeyInfo {
                    storage: storage.to_owned(),
                }),
                None => mismatch(),
            };
        }
        "changeLocale" => {
            return match string(0) {
                Some(locale) => Frame::Request(Request::ChangeLocale {
                    locale: locale.to_owned(),
                }),
                None => mismatch(),
            };
        }
        "createCMSSignatureFromBase64" => "createCMSSignatureFromBase64",
        "createCAdESFromBase64" => "createCAdESFromBase64",
        "createCAdESFromBase64Hash" => "createCAdESFromBase64Hash",
        "signXml" => "signXml",
        "signXmls" => "signXmls",
        other => {
            return Frame::Refused(Reply::common_error(format!(
                "java.lang.NoSuchMethodException: {COMMON_UTILS}.{other}"
            )));
        }
    };
    let (Some(storage), Some(key_type)) = (string(0), string(1)) else {
        return mismatch();
    };
    let filter = KeyFilter {
        storages: Some(vec![storage.to_owned()]),
        key_type: KeyType::from_wire(key_type),
        ext_key_usage_oids: Vec::new(),
    };
    let (payload, shape) = match method_name {
        "createCMSSignatureFromBase64" | "createCAdESFromBase64" => {
            let (Some(data), Some(attach)) = (string(2), args.get(3).and_then(Value::as_bool))
            else {
                return mismatch();
            };
            let Some(document) = decode_base64(data) else {
                return Frame::Refused(Reply::common_error(
                    "the data is not Base64; send the document Base64-encoded",
                ));
            };
            (
                Payload::Cms {
                    documents: vec![document],
                    attach,
                    digested: false,
                    cades: method_name == "createCAdESFromBase64",
                    timestamp: false,
                },
                Shape::CommonOne,
            )
        }
        "createCAdESFromBase64Hash" => {
            let Some(hash) = string(2).and_then(decode_base64).filter(|h| !h.is_empty()) else {
                // NCALayer answers a hash it cannot use with a bare 500.
                return Frame::Refused(Reply(json!({"code": "500"})));
            };
            (
                Payload::Cms {
                    documents: vec![hash],
                    attach: false,
                    digested: true,
                    cades: true,
                    timestamp: false,
                },
                Shape::CommonOne,
            )
        }
        "signXml" => {
            let Some(xml) = string(2) else {
                return mismatch();
            };
            (
                Payload::Xml {
                    documents: vec![xml.to_owned()],
                    tbs_element_xpath: string(3).unwrap_or("").to_owned(),
                    signature_parent_xpath: string(4).unwrap_or("").to_owned(),
                },
                Shape::CommonOne,
            )
        }
        _ => {
            let Some(xmls) = args.get(2).and_then(string_array) else {
                return mismatch();
            };
            (
                Payload::Xml {
                    documents: xmls,
                    tbs_element_xpath: string(3).unwrap_or("").to_owned(),
                    signature_parent_xpath: string(4).unwrap_or("").to_owned(),
                },
                Shape::CommonMany,
            )
        }
    };
    Frame::Request(Request::Sign(Box::new(SignRequest {
        method: method_name,
        filter,
        payload,
        shape,
        output_cert: false,
    })))
}

/// An array of strings, or `None` when it is not one.
fn string_array(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    // Pages wrap Base64 in lines now and then.
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}

/// The basics module's error for arguments it cannot read, in NCALayer's words.
fn invocation_error(details: impl Into<String>) -> Frame {
    Frame::Refused(Reply::basics_error(
        "INVOCATION_ERROR",
        "An invoked method threw an exception.",
        details,
    ))
}

/// `kz.gov.pki.knca.basics` `sign`: named arguments in one object.
fn basics(method: &str, args: &Value) -> Frame {
    if method != "sign" {
        return Frame::Refused(Reply::basics_error(
            "METHOD_NOT_FOUND",
            "Method not found.",
            format!("{BASICS} has no method {method}; it has sign"),
        ));
    }
    let Some(args) = args.as_object() else {
        return invocation_error("org.json.JSONException: args is not a JSONObject.");
    };
    let storages = match args.get("allowedStorages") {
        None | Some(Value::Null) => None,
        Some(v) => match string_array(v) {
            Some(list) => Some(list),
            None => {
                return invocation_error(
                    "org.json.JSONException: JSONObject[\"allowedStorages\"] is not a JSONArray of strings.",
                );
            }
        },
    };
    let signing = match object_arg(args, "signingParams") {
        Ok(o) => o,
        Err(frame) => return frame,
    };
    let signer = match object_arg(args, "signerParams") {
        Ok(o) => o,
        Err(frame) => return frame,
    };
    let flag = |name: &str, default: bool| -> Result<bool, Frame> {
        match signing.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            // NCA's own examples send "true" and "false" as strings.
            Some(Value::String(s)) if s == "true" => Ok(true),
            Some(Value::String(s)) if s == "false" => Ok(false),
            Some(_) => Err(invocation_error(format!(
                "org.json.JSONException: JSONObject[\"{name}\"] is not a Boolean."
            ))),
        }
    };
    let flags = (|| {
        Ok((
            flag("decode", true)?,
            flag("encapsulate", true)?,
            flag("digested", false)?,
        ))
    })();
    let (decode, encapsulate, digested) = match flags {
        Ok(f) => f,
        Err(frame) => return frame,
    };
    let timestamp = signing.get("tsaProfile").is_some_and(Value::is_object);
    let ext_key_usage_oids = match signer.get("extKeyUsageOids") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => match string_array(v) {
            Some(list) => list,
            None => {
                return invocation_error(
                    "org.json.JSONException: JSONObject[\"extKeyUsageOids\"] is not a JSONArray of strings.",
                );
            }
        },
    };
    let data = match args.get("data") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(v @ Value::Array(_)) => match string_array(v) {
            Some(list) if !list.is_empty() => list,
            _ => {
                return invocation_error(
                    "org.json.JSONException: JSONObject[\"data\"] is not a string or a non-empty array of strings.",
                );
            }
        },
        _ => {
            return invocation_error(
                "org.json.JSONException: JSONObject[\"data\"] not found or not a string.",
            );
        }
    };
    let output_cert = match args.get("outputCert") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return invocation_error(
                "org.json.JSONException: JSONObject[\"outputCert\"] is not a Boolean.",
            );
        }
    };
    let payload = match args.get("format").and_then(Value::as_str) {
        Some("cms") => {
            let mut documents = Vec::with_capacity(data.len());
            for item in &data {
                if decode {
                    match decode_base64(item) {
                        Some(bytes) => documents.push(bytes),
                        None => {
                            return Frame::Refused(Reply::basics_error(
                                "WRONG_DATA",
                                "The data is not Base64.",
                                "signingParams.decode is true: send each document Base64-encoded",
                            ));
                        }
                    }
                } else {
                    documents.push(item.as_bytes().to_vec());
                }
            }
            Payload::Cms {
                documents,
                attach: encapsulate && !digested,
                digested,
                cades: true,
                timestamp,
            }
        }
        Some("xml") => Payload::Xml {
            documents: data,
            tbs_element_xpath: String::new(),
            signature_parent_xpath: String::new(),
        },
        _ => {
            return invocation_error(
                "org.json.JSONException: JSONObject[\"format\"] is not \"cms\" or \"xml\".",
            );
        }
    };
    Frame::Request(Request::Sign(Box::new(SignRequest {
        method: "sign",
        filter: KeyFilter {
            storages,
            key_type: KeyType::Any,
            ext_key_usage_oids,
        },
        payload,
        shape: Shape::Basics,
        output_cert,
    })))
}

/// A named argument that must be an object (absent: empty).
fn object_arg(args: &Map<String, Value>, name: &str) -> Result<Map<String, Value>, Frame> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(o)) => Ok(o.clone()),
        Some(_) => Err(invocation_error(format!(
            "org.json.JSONException: JSONObject[\"{name}\"] is not a JSONObject."
        ))),
    }
}

/// The reply for signatures made for `request`: `signatures` are Base64 CMS
/// or signed XML documents, one per document in order.
pub fn signed_reply(
    request: &SignRequest,
    signatures: Vec<String>,
    cert_pem: Option<String>,
) -> Reply {
    match request.shape {
        Shape::CommonOne => Reply::ok(Value::String(
            signatures.into_iter().next().unwrap_or_default(),
        )),
        Shape::CommonMany => Reply::ok(Value::from(signatures)),
        Shape::Basics => {
            let results = signatures.into_iter().map(Value::String).collect();
            let mut reply = Reply::basics_ok(results);
            if let (true, Some(pem), Some(body)) = (
                request.output_cert,
                cert_pem,
                reply.0.get_mut("body").and_then(Value::as_object_mut),
            ) {
                body.insert("certificate".into(), Value::String(pem));
            }
            reply
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(text: &str) -> Request {
        match parse(text) {
            Frame::Request(r) => r,
            other => panic!("{text}: {other:?}"),
        }
    }

    fn refused(text: &str) -> Value {
        match parse(text) {
            Frame::Refused(r) => r.0,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn the_heartbeat_and_the_greeting() {
        assert_eq!(parse("--heartbeat--"), Frame::Heartbeat);
        let greeting: Value = serde_json::from_str(GREETING).unwrap();
        assert_eq!(greeting["result"]["version"], "1.4");
    }

    #[test]
    fn bad_frames_get_error_replies() {
        assert_eq!(refused("{not json")["code"], "500");
        assert_eq!(refused("[1,2]")["code"], "500");
        let v = refused(r#"{"module":"kz.digiflow.mobile.extensions","method":"getVersion"}"#);
        // Not 200: ncalayer-js-client then knows this is not KAZTOKEN.
        assert_eq!(v["status"], false);
        assert_eq!(v["code"], "MODULE_NOT_FOUND");
        let v = refused(
            r#"{"module":"kz.gov.pki.knca.commonUtils","method":"browseKeyStore","args":[]}"#,
        );
        assert_eq!(v["code"], "500");
        assert!(v["message"].as_str().unwrap().contains("browseKeyStore"));
        let v = refused(r#"{"module":"kz.gov.pki.knca.basics","method":"verify","args":{}}"#);
        assert_eq!(v["code"], "METHOD_NOT_FOUND");
    }

    /// The recorded bad requests of the real NCALayer get its replies, word for word.
    #[test]
    fn type_mismatches_as_ncalayer_says_them() {
        for (req, method) in [
            (
                r#"{"module":"kz.gov.pki.knca.commonUtils","method":"getKeyInfo","args":[null]}"#,
                "getKeyInfo",
            ),
            (
                r#"{"module":"kz.gov.pki.knca.commonUtils","method":"getKeyInfo","args":[1]}"#,
                "getKeyInfo",
            ),
            (
                r#"{"module":"kz.gov.pki.knca.commonUtils","method":"createCAdESFromBase64","args":["AKKaztokenStore",123,"MTEK",false]}"#,
                "createCAdESFromBase64",
            ),
            (
                r#"{"module":"kz.gov.pki.knca.commonUtils","method":"createCMSSignatureFromBase64","args":["AKKaztokenStore",[7,7,7],"MTEK",false]}"#,
                "createCMSSignatureFromBase64",
            ),
            (
                r#"{"module":"kz.gov.pki.knca.commonUtils","method":"signXml","args":["AKKaztokenStore","123",555,"",""]}"#,
                "signXml",
            ),
            (
                r#"{"module":"kz.gov.pki.knca.commonUtils","method":"signXmls","args":["AKKaztokenStore","123","<tag>data</tag>","",""]}"#,
                "signXmls",
            ),
            (
                r#"{"module":"kz.gov.pki.knca.commonUtils","method":"changeLocale","args":[2]}"#,
                "changeLocale",
            ),
        ] {
            let v = refused(req);
            assert_eq!(v["code"], "500", "{req}");
            assert_eq!(
                v["message"],
                format!(
                    "java.lang.IllegalArgumentException: argument type mismatch. Method: {method}"
                ),
                "{req}"
            );
        }
        assert_eq!(
            refused(
                r#"{"module":"kz.gov.pki.knca.commonUtils","method":"createCAdESFromBase64Hash","args":["AKKaztokenStore","123",""]}"#
            ),
            json!({"code":"500"})
        );
        let v = refused(
            r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"allowedStorages":null,"format":"cms","data":"MTEK","signingParams":555,"signerParams":{"extKeyUsageOids":[]},"locale":"ru"}}"#,
        );
        assert_eq!(
            v,
            json!({"code":"INVOCATION_ERROR","details":"org.json.JSONException: JSONObject[\"signingParams\"] is not a JSONObject.","message":"An invoked method threw an exception.","status":false})
        );
    }

    #[test]
    fn common_utils_requests() {
        assert_eq!(
            request(r#"{"module":"kz.gov.pki.knca.commonUtils","method":"getActiveTokens"}"#),
            Request::GetActiveTokens
        );
        assert_eq!(
            request(
                r#"{"module":"kz.gov.pki.knca.commonUtils","method":"getKeyInfo","args":["PKCS12"]}"#
            ),
            Request::GetKeyInfo {
                storage: "PKCS12".into()
            }
        );
        let Request::Sign(sign) = request(
            r#"{"module":"kz.gov.pki.knca.commonUtils","method":"createCMSSignatureFromBase64","args":["PKCS12","AUTHENTICATION","MTEK",true]}"#,
        ) else {
            panic!()
        };
        assert_eq!(sign.filter.key_type, KeyType::Authentication);
        assert_eq!(sign.filter.storages, Some(vec!["PKCS12".into()]));
        assert_eq!(
            sign.payload,
            Payload::Cms {
                documents: vec![b"11\n".to_vec()],
                attach: true,
                digested: false,
                cades: false,
                timestamp: false
            }
        );
        // Any other key type lets the citizen choose any key, as NCALayer does.
        let Request::Sign(sign) = request(
            r#"{"module":"kz.gov.pki.knca.commonUtils","method":"createCAdESFromBase64","args":["PKCS12","123","MTEK",false]}"#,
        ) else {
            panic!()
        };
        assert_eq!(sign.filter.key_type, KeyType::Any);
        let Request::Sign(sign) = request(
            r#"{"module":"kz.gov.pki.knca.commonUtils","method":"signXmls","args":["PKCS12","SIGNATURE",["<a/>","<b/>"],"",""]}"#,
        ) else {
            panic!()
        };
        assert_eq!(sign.shape, Shape::CommonMany);
        assert_eq!(sign.payload.count(), 2);
        assert_eq!(
            request(
                r#"{"module":"kz.gov.pki.knca.commonUtils","method":"changeLocale","args":["kk"]}"#
            ),
            Request::ChangeLocale {
                locale: "kk".into()
            }
        );
    }

    #[test]
    fn basics_sign_requests() {
        let Request::Sign(sign) = request(
            r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"allowedStorages":["PKCS12"],"format":"cms","data":["MTEK","MTIK"],"signingParams":{"decode":true,"encapsulate":false,"digested":false,"tsaProfile":{}},"signerParams":{"extKeyUsageOids":["1.3.6.1.5.5.7.3.4"]},"locale":"ru","outputCert":true}}"#,
        ) else {
            panic!()
        };
        assert_eq!(sign.shape, Shape::Basics);
        assert!(sign.output_cert);
        assert_eq!(
            sign.filter.ext_key_usage_oids,
            vec!["1.3.6.1.5.5.7.3.4".to_string()]
        );
        assert_eq!(
            sign.payload,
            Payload::Cms {
                documents: vec![b"11\n".to_vec(), b"12\n".to_vec()],
                attach: false,
                digested: false,
                cades: true,
                timestamp: true
            }
        );
        // Not decoded: the text itself is signed.
        let Request::Sign(sign) = request(
            r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"format":"cms","data":"hello","signingParams":{"decode":false},"signerParams":{}}}"#,
        ) else {
            panic!()
        };
        assert_eq!(sign.filter.storages, None);
        assert!(
            matches!(&sign.payload, Payload::Cms { documents, attach: true, .. } if documents == &vec![b"hello".to_vec()])
        );
        let Request::Sign(sign) = request(
            r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"format":"xml","data":"<tag>data</tag>","signingParams":{},"signerParams":{"extKeyUsageOids":[]}}}"#,
        ) else {
            panic!()
        };
        assert!(matches!(sign.payload, Payload::Xml { .. }));
        assert_eq!(
            refused(
                r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"format":"pdf","data":"x"}}"#
            )["code"],
            "INVOCATION_ERROR"
        );
        assert_eq!(
            refused(
                r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"format":"cms","data":"%%%"}}"#
            )["code"],
            "WRONG_DATA"
        );
        assert_eq!(
            refused(
                r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"format":"cms","data":[]}}"#
            )["code"],
            "INVOCATION_ERROR"
        );
    }

    #[test]
    fn replies_have_the_recorded_shapes() {
        let Request::Sign(basics) = request(
            r#"{"module":"kz.gov.pki.knca.basics","method":"sign","args":{"format":"cms","data":"MTEK","outputCert":true}}"#,
        ) else {
            panic!()
        };
        let reply = signed_reply(&basics, vec!["SIG".into()], Some("PEM".into()));
        assert_eq!(
            reply.0,
            json!({"status":true,"body":{"result":["SIG"],"certificate":"PEM"}})
        );
        assert_eq!(Reply::basics_canceled().0, json!({"body":{},"status":true}));
        assert_eq!(
            Reply::canceled().0,
            json!({"code":"500","message":"action.canceled"})
        );
        let Request::Sign(one) = request(
            r#"{"module":"kz.gov.pki.knca.commonUtils","method":"signXml","args":["PKCS12","SIGNATURE","<a/>","",""]}"#,
        ) else {
            panic!()
        };
        assert_eq!(
            signed_reply(&one, vec!["<a/>".into()], None).0,
            json!({"code":"200","responseObject":"<a/>"})
        );
    }
}
