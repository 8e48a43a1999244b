# Entrypoint caracal/authz/result: the decision for one token exchange against one resource.
# Deny by default; every deny names the first failed gate of its request class.
package caracal.authz

result := deny("caracal-restrict", "restriction_active") if {
	restriction_active
} else := deny("caracal-default-deny", "input_schema_unsupported") if {
	not schema_supported
} else := exchange_decision(request_class) if {
	request_class
} else := deny("caracal-default-deny", "no_rule_matched")

deny(policy, reason) := {
	"decision": "deny",
	"evaluation_status": "complete",
	"determining_policies": [{"policy": policy}],
	"diagnostics": [{"reason": reason}],
}

allow(policy, diagnostics) := {
	"decision": "allow",
	"evaluation_status": "complete",
	"determining_policies": [{"policy": policy}],
	"diagnostics": diagnostics,
}

# Bootstrap: an application asks for exactly the lifecycle scope, with no session, edge or
# subject token involved.
request_class := "bootstrap" if {
	requested_scopes == {LIFECYCLE_SCOPE}
	not names_agent_session
	not has_edge
	count(subject_claims) == 0
	acting_app
} else := "delegated_mint" if {
	scope_mint_shape
	has_edge
	edge.target_session_id == agent_session_id
	edge.receiver_application_id == acting_app
} else := "mint" if {
	scope_mint_shape
	not has_edge
}

# A mint for an agent session: at least one scope, never the lifecycle scope.
scope_mint_shape if {
	acting_app
	agent_session_id
	count(requested_scopes) > 0
	not LIFECYCLE_SCOPE in requested_scopes
	not ctx_session_mismatch
}

ctx_session_mismatch if {
	s := ctx.agent_session_id
	s != agent_session_id
}

exchange_decision("bootstrap") := deny("caracal-bootstrap", "resource_not_granted") if {
	not resource_granted
} else := allow("caracal-bootstrap", [])

exchange_decision("mint") := d if {
	d := mint_decision("caracal-mint", false)
}

exchange_decision("delegated_mint") := d if {
	d := mint_decision("caracal-delegated-mint", true)
}

# The gates of a scope mint, in order; the first that fails names the deny. Names are joined with
# concat, not sprintf: opa-wasm runs sprintf in JavaScript, a round trip that costs more than the
# rest of the allow path.
mint_decision(gate, delegated) := deny(gate, "malformed_risk_data") if {
	risk_malformed
} else := deny(gate, "malformed_approval_data") if {
	approval_malformed
} else := deny(gate, "malformed_confinement_data") if {
	confinement_malformed
} else := deny(gate, "resource_not_granted") if {
	not resource_granted
} else := deny(gate, "delegation_scope_exceeded") if {
	delegated
	delegation_scope_exceeded(requested_scopes)
} else := deny(gate, "confinement_violation") if {
	confinement_violated(requested_scopes)
} else := deny(gate, "role_scope_mismatch") if {
	not role_covers(requested_scopes)
} else := allow(concat("", ["caracal-", owner_binding_key, "-mint"]), mint_diagnostics)
