//! A small validator for the OpenAPI 3.0 schemas in Fly's spec: types, properties, items,
//! additionalProperties, allOf, enum, required and $ref — what that spec uses.
#![allow(dead_code)]

use serde_json::Value;

pub(crate) struct Spec {
    root: Value,
}

impl Spec {
    /// Fly's spec (`fly-machines-openapi.yaml`) with the app-secrets part it predates
    /// (`fly-secrets-openapi.yaml`) merged in: their paths and schemas side by side.
    pub(crate) fn load() -> Spec {
        let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/specs");
        let read = |name: &str| -> Value {
            let text = std::fs::read_to_string(specs.join(name)).unwrap();
            serde_yaml::from_str(&text).unwrap()
        };
        let mut root = read("fly-machines-openapi.yaml");
        let extra = read("fly-secrets-openapi.yaml");
        for section in ["/paths", "/components/schemas"] {
            let into = root.pointer_mut(section).and_then(Value::as_object_mut).unwrap();
            for (k, v) in extra.pointer(section).and_then(Value::as_object).unwrap() {
                assert!(into.insert(k.clone(), v.clone()).is_none(), "{k} is in both spec files");
            }
        }
        Spec { root }
    }

    /// Panics unless the spec has `method` on `path` (`/apps/{app_name}/secrets`) answering `status`.
    pub(crate) fn assert_operation(&self, method: &str, path: &str, status: u16) {
        let pointer = format!("/paths/{}/{method}/responses/{status}", path.replace('~', "~0").replace('/', "~1"));
        assert!(self.root.pointer(&pointer).is_some(), "Fly's spec has no {method} {path} answering {status}");
    }

    pub(crate) fn schema(&self, name: &str) -> &Value {
        self.root
            .pointer(&format!("/components/schemas/{}", name.replace('/', "~1")))
            .unwrap_or_else(|| panic!("no schema {name}"))
    }

    /// Errors of `value` against schema `name` (empty = valid).
    pub(crate) fn check(&self, name: &str, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.walk(self.schema(name), value, name, &mut errors);
        errors
    }

    pub(crate) fn assert_valid(&self, name: &str, value: &Value) {
        let errors = self.check(name, value);
        assert!(errors.is_empty(), "{name} does not conform to Fly's OpenAPI spec:\n{}\n{value:#}", errors.join("\n"));
    }

    fn walk(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let target = self.root.pointer(r.trim_start_matches('#')).unwrap_or_else(|| panic!("dangling {r}"));
            return self.walk(target, value, at, errors);
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.walk(s, value, at, errors);
            }
        }
        if let Some(kind) = schema.get("type").and_then(Value::as_str) {
            let ok = match kind {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                "boolean" => value.is_boolean(),
                _ => true,
            };
            if !ok {
                errors.push(format!("{at}: expected {kind}, found {value}"));
                return;
            }
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            errors.push(format!("{at}: {value} is not one of {options:?}"));
        }
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for r in required.iter().filter_map(Value::as_str) {
                if value.get(r).is_none() {
                    errors.push(format!("{at}: required property {r} is missing"));
                }
            }
        }
        if let Value::Object(map) = value {
            let props = schema.get("properties").and_then(Value::as_object);
            for (k, v) in map {
                match (props.and_then(|p| p.get(k)), schema.get("additionalProperties")) {
                    (Some(s), _) => self.walk(s, v, &format!("{at}.{k}"), errors),
                    (None, Some(Value::Bool(false))) => errors.push(format!("{at}: unexpected property {k}")),
                    (None, Some(extra)) if extra.is_object() => self.walk(extra, v, &format!("{at}.{k}"), errors),
                    (None, _) if props.is_some() => errors.push(format!("{at}: property {k} is not in the spec")),
                    _ => {}
                }
            }
        }
        if let (Value::Array(items), Some(item)) = (value, schema.get("items")) {
            for (i, v) in items.iter().enumerate() {
                self.walk(item, v, &format!("{at}[{i}]"), errors);
            }
        }
    }
}
