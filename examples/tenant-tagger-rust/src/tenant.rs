//! The tenant-tagger's decisions, apart from the ABI glue in lib.rs: plain
//! Rust with no PDK, so that its unit tests run on the host with
//! `rustc --test src/tenant.rs` (`make test-tenant-tagger-rust`).

/// What a request hook must do.
#[derive(Debug, PartialEq)]
pub enum Decision {
    /// Tag the request with this tenant.
    Tag(String),
    /// Refuse the request with this status, error type and message.
    Refuse(i32, &'static str, String),
}

/// The configured rules: which header names the tenant, and which tenants
/// are allowed (any when empty).
#[derive(Debug, PartialEq)]
pub struct Rules {
    pub header: String,
    pub tenants: Vec<String>,
}

impl Rules {
    /// Builds the rules from the config's keys and values; `tenants` is
    /// `Some(None)` when the option is there but not a list of strings.
    pub fn new(keys: &[String], header: Option<String>, tenants: Option<Option<Vec<String>>>) -> Result<Rules, String> {
        if let Some(key) = keys.iter().find(|k| *k != "header" && *k != "tenants") {
            return Err(format!("tenant-tagger: config: unknown option {:?} (header, tenants)", key));
        }
        let tenants = match tenants {
            None => Vec::new(),
            Some(list) => list.ok_or("tenant-tagger: config: tenants must be a list of strings")?,
        };
        Ok(Rules { header: header.unwrap_or_else(|| "x-tenant".to_string()), tenants })
    }

    /// Decides on a request from the value of its tenant header.
    pub fn decide(&self, header_value: Option<&str>) -> Decision {
        let tenant = match header_value.map(str::trim) {
            Some(t) if !t.is_empty() => t,
            _ => return Decision::Refuse(401, "authentication_error", format!("the {} header is required", self.header)),
        };
        if !self.tenants.is_empty() && !self.tenants.iter().any(|t| t == tenant) {
            return Decision::Refuse(403, "permission_error", "unknown tenant".to_string());
        }
        Decision::Tag(tenant.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    fn listed() -> Rules {
        Rules::new(&keys(&["tenants"]), None, Some(Some(vec!["acme".into(), "globex".into()]))).unwrap()
    }

    #[test]
    fn config_defaults_to_x_tenant_and_any_tenant() {
        assert_eq!(Rules::new(&[], None, None), Ok(Rules { header: "x-tenant".into(), tenants: vec![] }));
    }

    #[test]
    fn config_refuses_unknown_options_and_bad_tenants() {
        let err = Rules::new(&keys(&["header", "tenant"]), None, None).unwrap_err();
        assert!(err.contains("unknown option \"tenant\""), "{}", err);
        let err = Rules::new(&keys(&["tenants"]), None, Some(None)).unwrap_err();
        assert!(err.contains("tenants must be a list of strings"), "{}", err);
    }

    #[test]
    fn a_listed_tenant_is_tagged_trimmed() {
        assert_eq!(listed().decide(Some(" acme ")), Decision::Tag("acme".into()));
    }

    #[test]
    fn any_tenant_without_a_list() {
        let r = Rules::new(&[], Some("x-org".into()), None).unwrap();
        assert_eq!(r.decide(Some("initech")), Decision::Tag("initech".into()));
    }

    #[test]
    fn a_missing_or_blank_header_is_401_naming_the_header() {
        let r = Rules::new(&keys(&["header"]), Some("x-org".into()), None).unwrap();
        let want = Decision::Refuse(401, "authentication_error", "the x-org header is required".into());
        assert_eq!(r.decide(None), want);
        assert_eq!(r.decide(Some("  ")), want);
    }

    #[test]
    fn an_unlisted_tenant_is_403() {
        assert_eq!(listed().decide(Some("initech")), Decision::Refuse(403, "permission_error", "unknown tenant".into()));
    }
}
