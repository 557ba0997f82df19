//! Request parameters of the fake Bot API: the four encodings Telegram accepts (query
//! string, `application/x-www-form-urlencoded`, `application/json`, `multipart/form-data`)
//! folded into one flat map, the way the Bot API server reads them.
//!
//! A JSON body's top-level string values are kept as strings and every other value as
//! JSON; form and multipart values are strings, so nested values (reply_markup, commands,
//! allowed_updates, …) may arrive either as JSON or as JSON-encoded strings and the
//! accessors accept both. Multipart parts with a file name (or referenced by
//! `attach://name`) are kept as raw bytes. No IO; never panics on bad input.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

/// A multipart part: its file name, declared content type and bytes.
#[derive(Debug, Clone, Default)]
pub struct Part {
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// All parameters of one request.
#[derive(Debug, Clone, Default)]
pub struct Params {
    values: BTreeMap<String, Value>,
    parts: HashMap<String, Part>,
}

impl Params {
    /// Parses the query string and the body. The error is a Bot API description.
    pub fn parse(
        content_type: Option<&str>,
        query: Option<&str>,
        body: &[u8],
    ) -> Result<Self, String> {
        let mut p = Params::default();
        if let Some(q) = query {
            for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
                p.values
                    .insert(k.into_owned(), Value::String(v.into_owned()));
            }
        }
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        let body_is_blank = body.iter().all(u8::is_ascii_whitespace);
        if ct.starts_with("application/json") {
            if body_is_blank {
                return Ok(p);
            }
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => {
                    for (k, v) in map {
                        p.values.insert(k, v);
                    }
                }
                _ => return Err("Bad Request: JSON object expected".to_string()),
            }
        } else if ct.starts_with("multipart/form-data") {
            let boundary = boundary_of(content_type.unwrap_or("")).ok_or_else(|| {
                "Bad Request: can't parse multipart body: boundary not found".to_string()
            })?;
            for (name, part) in parse_multipart(body, &boundary)? {
                if part.file_name.is_none() {
                    p.values.insert(
                        name.clone(),
                        Value::String(String::from_utf8_lossy(&part.bytes).into_owned()),
                    );
                }
                p.parts.insert(name, part);
            }
        } else if !body_is_blank {
            // application/x-www-form-urlencoded, or no content type at all.
            for (k, v) in url::form_urlencoded::parse(body) {
                p.values
                    .insert(k.into_owned(), Value::String(v.into_owned()));
            }
        }
        Ok(p)
    }

    /// Whether the parameter is present.
    pub fn has(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    /// The parameter as the server sees it: a string, or the raw JSON text of a non-string.
    pub fn str(&self, key: &str) -> Option<String> {
        match self.values.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// The parameter as JSON: a nested value as is, or a string parsed as JSON.
    /// `Some(Err(()))` when the string is not valid JSON.
    pub fn json(&self, key: &str) -> Option<Result<Value, ()>> {
        match self.values.get(key)? {
            Value::String(s) => Some(serde_json::from_str(s).map_err(|_| ())),
            Value::Null => None,
            other => Some(Ok(other.clone())),
        }
    }

    /// An integer parameter, read leniently like the server's `to_integer` (a leading sign
    /// and digits; anything else is 0).
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.values.get(key)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => Some(lenient_int(s)),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => Some(0),
        }
    }

    /// A boolean parameter (`true`, `1`, JSON true).
    pub fn bool(&self, key: &str) -> bool {
        match self.values.get(key) {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_i64().is_some_and(|v| v != 0),
            Some(Value::String(s)) => {
                let s = s.trim().to_ascii_lowercase();
                s == "true" || s == "1"
            }
            _ => false,
        }
    }

    /// A multipart part by name.
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.parts.get(name)
    }

    /// The parameters as one JSON object, for inspection: strings holding a JSON object or
    /// array are parsed, integers of `*_id`, `offset`, `limit` and `timeout` become numbers,
    /// file parts become `{"file_name", "size"}`.
    pub fn to_json(&self) -> Value {
        let mut map = serde_json::Map::new();
        for (k, v) in &self.values {
            let v = match v {
                Value::String(s) => normalize_string(k, s),
                other => other.clone(),
            };
            map.insert(k.clone(), v);
        }
        for (k, part) in &self.parts {
            if part.file_name.is_some() {
                map.insert(
                    k.clone(),
                    serde_json::json!({"file_name": part.file_name, "size": part.bytes.len()}),
                );
            }
        }
        Value::Object(map)
    }
}

fn normalize_string(key: &str, s: &str) -> Value {
    let t = s.trim_start();
    if (t.starts_with('{') || t.starts_with('['))
        && let Ok(v) = serde_json::from_str::<Value>(s)
    {
        return v;
    }
    let numeric_key = key.ends_with("_id") || matches!(key, "offset" | "limit" | "timeout");
    if numeric_key && let Ok(n) = s.trim().parse::<i64>() {
        return Value::from(n);
    }
    Value::String(s.to_string())
}

/// Reads a leading optional sign and digits; anything unparsable is 0.
pub fn lenient_int(s: &str) -> i64 {
    let s = s.trim();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let mut v: i64 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(10) else { break };
        v = v.saturating_mul(10).saturating_add(i64::from(d));
    }
    if neg { -v } else { v }
}

fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if k.trim().eq_ignore_ascii_case("boundary") {
            Some(v.trim().trim_matches('"').to_string())
        } else {
            None
        }
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<(String, Part)>, String> {
    let bad = || "Bad Request: can't parse multipart body".to_string();
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut pos = find(body, delimiter, 0).ok_or_else(bad)? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            break;
        }
        // Skip the line break after the delimiter.
        if body.get(pos..pos + 2) == Some(b"\r\n") {
            pos += 2;
        } else if body.get(pos) == Some(&b'\n') {
            pos += 1;
        }
        let header_end = find(body, b"\r\n\r\n", pos).ok_or_else(bad)?;
        let headers = String::from_utf8_lossy(&body[pos..header_end]).into_owned();
        let content_start = header_end + 4;
        let mut next_delim = Vec::with_capacity(delimiter.len() + 2);
        next_delim.extend_from_slice(b"\r\n");
        next_delim.extend_from_slice(delimiter);
        let content_end = find(body, &next_delim, content_start).ok_or_else(bad)?;
        let mut name = None;
        let mut part = Part::default();
        for line in headers.split("\r\n") {
            let Some((h, v)) = line.split_once(':') else {
                continue;
            };
            if h.trim().eq_ignore_ascii_case("content-disposition") {
                for param in v.split(';').skip(1) {
                    let Some((k, val)) = param.split_once('=') else {
                        continue;
                    };
                    let val = val.trim().trim_matches('"').to_string();
                    match k.trim().to_ascii_lowercase().as_str() {
                        "name" => name = Some(val),
                        "filename" => part.file_name = Some(val),
                        _ => {}
                    }
                }
            } else if h.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(v.trim().to_string());
            }
        }
        part.bytes = body[content_start..content_end].to_vec();
        if let Some(name) = name {
            parts.push((name, part));
        }
        pos = content_end + next_delim.len();
    }
    Ok(parts)
}
