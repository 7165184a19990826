//! tenant-tagger: tags every chat request with the client's tenant.
//!
//! It reads the tenant from a request header (`x-tenant` unless configured),
//! refuses requests without one (401) or from a tenant not on the list
//! (403), keeps it in the `tenant` attribute for the plugins after it, sets
//! the request's `user` field (so the provider's abuse tracking sees the
//! tenant), and sends it back in the `x-tenant` response header.

use wasmgate_pdk::*;

struct TenantTagger {
    header: String,
    tenants: Vec<String>,
    tenant: String, // of the current request, for the response hook
}

impl Plugin for TenantTagger {
    const HOOKS: u32 = HOOK_REQUEST | HOOK_RESPONSE;

    fn new(config: &Config) -> Result<Self, String> {
        for key in config.keys() {
            if key != "header" && key != "tenants" {
                return Err(format!("tenant-tagger: config: unknown option {:?} (header, tenants)", key));
            }
        }
        let header = config.get_string("header").unwrap_or_else(|| "x-tenant".to_string());
        let tenants = match config.get_raw("tenants") {
            None => Vec::new(),
            Some(_) => config.get_strings("tenants").ok_or("tenant-tagger: config: tenants must be a list of strings")?,
        };
        Ok(TenantTagger { header, tenants, tenant: String::new() })
    }

    fn on_request(&mut self, req: &Request) -> Action {
        self.tenant.clear(); // an instance serves many requests: start clean
        let tenant = match req.header(&self.header) {
            Some(t) if !t.trim().is_empty() => t.trim().to_string(),
            _ => return error(401, "authentication_error", &format!("the {} header is required", self.header)),
        };
        if !self.tenants.is_empty() && !self.tenants.iter().any(|t| *t == tenant) {
            return error(403, "permission_error", "unknown tenant");
        }
        if set_attr("tenant", &tenant).is_err() || req.set_string("user", &tenant).is_err() {
            return error(500, "plugin_error", "tenant-tagger: cannot tag the request");
        }
        self.tenant = tenant;
        Action::Continue
    }

    fn on_response(&mut self, resp: &Response) -> Action {
        if !self.tenant.is_empty() {
            let _ = resp.set_header("x-tenant", &self.tenant);
        }
        Action::Continue
    }
}

register!(TenantTagger);
