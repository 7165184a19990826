//! tenant-tagger: tags every chat request with the client's tenant.
//!
//! It reads the tenant from a request header (`x-tenant` unless configured),
//! refuses requests without one (401) or from a tenant not on the list
//! (403), keeps it in the `tenant` attribute for the plugins after it, sets
//! the request's `user` field (so the provider's abuse tracking sees the
//! tenant), and sends it back in the `x-tenant` response header.
//!
//! The decisions are in tenant.rs, unit-tested on the host; this file is the
//! glue to the gateway's ABI.

mod tenant;

use tenant::{Decision, Rules};
use wasmgate_pdk::*;

struct TenantTagger {
    rules: Rules,
    tenant: String, // of the current request, for the response hook
}

impl Plugin for TenantTagger {
    const HOOKS: u32 = HOOK_REQUEST | HOOK_RESPONSE;

    fn new(config: &Config) -> Result<Self, String> {
        let tenants = config.get_raw("tenants").map(|_| config.get_strings("tenants"));
        let rules = Rules::new(&config.keys(), config.get_string("header"), tenants)?;
        Ok(TenantTagger { rules, tenant: String::new() })
    }

    fn on_request(&mut self, req: &Request) -> Action {
        self.tenant.clear(); // an instance serves many requests: start clean
        let tenant = match self.rules.decide(req.header(&self.rules.header).as_deref()) {
            Decision::Tag(t) => t,
            Decision::Refuse(status, typ, msg) => return error(status, typ, &msg),
        };
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
