# Generated from fixtures/policy/*.json by `npm run policies:build`; do not edit by hand.
# The same cases run through the compiled wasm in test/conformance/policy-vectors.test.ts.
package caracal.authz_cases_test

import data.caracal.authz

# bootstrap-allow-via-alias: The grant names an alias binding key that app_ids resolves to the acting application: allow.
test_bootstrap_allow_via_alias if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed"},"resource":{"type":"Resource","id":"res-lifecycle","identifier":"resource://caracal/lifecycle","scopes":["agent:lifecycle"]},"action":{"id":"TokenExchange"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"trace_id":"req-1","requested_scopes":["agent:lifecycle"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"billing-legacy","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-bootstrap"}],"diagnostics":[]}
}

# bootstrap-allow: An application asks for exactly agent:lifecycle on a resource its grant names: allow.
test_bootstrap_allow if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed"},"resource":{"type":"Resource","id":"res-lifecycle","identifier":"resource://caracal/lifecycle","scopes":["agent:lifecycle"]},"action":{"id":"TokenExchange"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"trace_id":"req-1","requested_scopes":["agent:lifecycle"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-bootstrap"}],"diagnostics":[]}
}

# bootstrap-deny-alias-cannot-cross-applications: An alias of app-billing cannot grant app-crm, even when the grant names the alias.
test_bootstrap_deny_alias_cannot_cross_applications if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-crm","zone_id":"zone-1","registration_method":"managed"},"resource":{"type":"Resource","id":"res-lifecycle","identifier":"resource://caracal/lifecycle","scopes":["agent:lifecycle"]},"action":{"id":"TokenExchange"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"trace_id":"req-1","requested_scopes":["agent:lifecycle"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"billing-legacy","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-bootstrap"}],"diagnostics":[{"reason":"resource_not_granted"}]}
}

# bootstrap-deny-binding-key-is-not-an-identity: A principal whose id equals a binding key that resolves to another application is not that application.
test_bootstrap_deny_binding_key_is_not_an_identity if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"billing-legacy","zone_id":"zone-1","registration_method":"managed"},"resource":{"type":"Resource","id":"res-lifecycle","identifier":"resource://caracal/lifecycle","scopes":["agent:lifecycle"]},"action":{"id":"TokenExchange"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"trace_id":"req-1","requested_scopes":["agent:lifecycle"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"billing-legacy","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-bootstrap"}],"diagnostics":[{"reason":"resource_not_granted"}]}
}

# bootstrap-deny-extra-scope: A bootstrap that also asks for another scope matches no rule.
test_bootstrap_deny_extra_scope if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed"},"resource":{"type":"Resource","id":"res-lifecycle","identifier":"resource://caracal/lifecycle","scopes":["agent:lifecycle"]},"action":{"id":"TokenExchange"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"trace_id":"req-1","requested_scopes":["agent:lifecycle","files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-default-deny"}],"diagnostics":[{"reason":"no_rule_matched"}]}
}

# bootstrap-deny-not-granted: The grant names another application: resource_not_granted.
test_bootstrap_deny_not_granted if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-crm","zone_id":"zone-1","registration_method":"managed"},"resource":{"type":"Resource","id":"res-lifecycle","identifier":"resource://caracal/lifecycle","scopes":["agent:lifecycle"]},"action":{"id":"TokenExchange"},"context":{"actor_claims":{"caracal_client_id":"app-crm"},"trace_id":"req-1","requested_scopes":["agent:lifecycle"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-bootstrap"}],"diagnostics":[{"reason":"resource_not_granted"}]}
}

# bootstrap-deny-restricted: A restriction freezes the zone, bootstrap included.
test_bootstrap_deny_restricted if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed"},"resource":{"type":"Resource","id":"res-lifecycle","identifier":"resource://caracal/lifecycle","scopes":["agent:lifecycle"]},"action":{"id":"TokenExchange"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"trace_id":"req-1","requested_scopes":["agent:lifecycle"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.restrict as ["maintenance_freeze"]
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-restrict"}],"diagnostics":[{"reason":"restriction_active"}]}
}

# bootstrap-deny-with-agent-session: The lifecycle scope is never minted for an agent session.
test_bootstrap_deny_with_agent_session if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed"},"resource":{"type":"Resource","id":"res-lifecycle","identifier":"resource://caracal/lifecycle","scopes":["agent:lifecycle"]},"action":{"id":"TokenExchange"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"trace_id":"req-1","requested_scopes":["agent:lifecycle"],"agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-default-deny"}],"diagnostics":[{"reason":"no_rule_matched"}]}
}

# bootstrap-deny-with-delegation-edge: A bootstrap carries no delegation edge.
test_bootstrap_deny_with_delegation_edge if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed"},"resource":{"type":"Resource","id":"res-lifecycle","identifier":"resource://caracal/lifecycle","scopes":["agent:lifecycle"]},"action":{"id":"TokenExchange"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"trace_id":"req-1","requested_scopes":["agent:lifecycle"]},"delegation_edge":{"id":"edge-1","source_session_id":"sess-0","target_session_id":"sess-1","issuer_application_id":"app-crm","receiver_application_id":"app-billing","resource_id":"res-files-read","scopes":["files:read","files:list"],"edge_version":1,"path":["edge-1"],"graph_epoch":3,"constraints_json":{"max_hops":1}}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-default-deny"}],"diagnostics":[{"reason":"no_rule_matched"}]}
}

# bootstrap-deny-with-subject-token: A bootstrap presents no subject token.
test_bootstrap_deny_with_subject_token if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed"},"resource":{"type":"Resource","id":"res-lifecycle","identifier":"resource://caracal/lifecycle","scopes":["agent:lifecycle"]},"action":{"id":"TokenExchange"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"trace_id":"req-1","requested_scopes":["agent:lifecycle"],"subject_claims":{"sub":"user-1"}}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-default-deny"}],"diagnostics":[{"reason":"no_rule_matched"}]}
}

# delegated-allow: Requested scopes within the edge and the role: allow.
test_delegated_allow if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"],"delegation_edge_id":"edge-1"},"delegation_edge":{"id":"edge-1","source_session_id":"sess-0","target_session_id":"sess-1","issuer_application_id":"app-crm","receiver_application_id":"app-billing","resource_id":"res-files-read","scopes":["files:read","files:list"],"edge_version":1,"path":["edge-1"],"graph_epoch":3,"constraints_json":{"max_hops":1}}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-mint"}],"diagnostics":[]}
}

# delegated-deny-edge-for-another-application: An edge received by another application matches no rule.
test_delegated_deny_edge_for_another_application if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"],"delegation_edge_id":"edge-1"},"delegation_edge":{"id":"edge-1","source_session_id":"sess-0","target_session_id":"sess-1","issuer_application_id":"app-crm","receiver_application_id":"app-crm","resource_id":"res-files-read","scopes":["files:read","files:list"],"edge_version":1,"path":["edge-1"],"graph_epoch":3,"constraints_json":{"max_hops":1}}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-default-deny"}],"diagnostics":[{"reason":"no_rule_matched"}]}
}

# delegated-deny-edge-for-another-session: An edge whose target is not the acting session (the source presenting its own edge) matches no rule.
test_delegated_deny_edge_for_another_session if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"],"delegation_edge_id":"edge-1"},"delegation_edge":{"id":"edge-1","source_session_id":"sess-0","target_session_id":"sess-9","issuer_application_id":"app-crm","receiver_application_id":"app-billing","resource_id":"res-files-read","scopes":["files:read","files:list"],"edge_version":1,"path":["edge-1"],"graph_epoch":3,"constraints_json":{"max_hops":1}}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-default-deny"}],"diagnostics":[{"reason":"no_rule_matched"}]}
}

# delegated-deny-role-scope-mismatch: Within the edge but outside every held role: role_scope_mismatch.
test_delegated_deny_role_scope_mismatch if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["auditor"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:list"],"delegation_edge_id":"edge-1"},"delegation_edge":{"id":"edge-1","source_session_id":"sess-0","target_session_id":"sess-1","issuer_application_id":"app-crm","receiver_application_id":"app-billing","resource_id":"res-files-read","scopes":["files:read","files:list"],"edge_version":1,"path":["edge-1"],"graph_epoch":3,"constraints_json":{"max_hops":1}}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-delegated-mint"}],"diagnostics":[{"reason":"role_scope_mismatch"}]}
}

# delegated-deny-scope-exceeded-before-confinement: Narrowing is checked before confinement.
test_delegated_deny_scope_exceeded_before_confinement if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["writer","customer:acme"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:write"],"delegation_edge_id":"edge-1"},"delegation_edge":{"id":"edge-1","source_session_id":"sess-0","target_session_id":"sess-1","issuer_application_id":"app-crm","receiver_application_id":"app-billing","resource_id":"res-files-read","scopes":["files:read","files:list"],"edge_version":1,"path":["edge-1"],"graph_epoch":3,"constraints_json":{"max_hops":1}}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.confinement as [{"label_prefix":"customer:","scopes":["files:list"]}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-delegated-mint"}],"diagnostics":[{"reason":"delegation_scope_exceeded"}]}
}

# delegated-deny-scope-exceeded: A scope outside the delegation edge: delegation_scope_exceeded.
test_delegated_deny_scope_exceeded if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing","writer"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:write"],"delegation_edge_id":"edge-1"},"delegation_edge":{"id":"edge-1","source_session_id":"sess-0","target_session_id":"sess-1","issuer_application_id":"app-crm","receiver_application_id":"app-billing","resource_id":"res-files-read","scopes":["files:read","files:list"],"edge_version":1,"path":["edge-1"],"graph_epoch":3,"constraints_json":{"max_hops":1}}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-delegated-mint"}],"diagnostics":[{"reason":"delegation_scope_exceeded"}]}
}

# delegated-step-up-required: Approval gates apply to delegated mints.
test_delegated_step_up_required if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"],"delegation_edge_id":"edge-1"},"delegation_edge":{"id":"edge-1","source_session_id":"sess-0","target_session_id":"sess-1","issuer_application_id":"app-crm","receiver_application_id":"app-billing","resource_id":"res-files-read","scopes":["files:read","files:list"],"edge_version":1,"path":["edge-1"],"graph_epoch":3,"constraints_json":{"max_hops":1}}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.approval_tiers as [{"tier":"high","approver":"any"}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.risk as [{"scope":"files:read","tier":"high"}]
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-mint"}],"diagnostics":[{"step_up_required":{"type":"human_approval","tiers":[{"tier":"high","approver":"any","privacy":"identified"}]}},{"risk":[{"scope":"files:read","tier":"high"}]}]}
}

# input-schema-unsupported: An input document of another schema version is refused.
test_input_schema_unsupported if {
	r := authz.result with input as {"schema_version":"2025-01-01","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-default-deny"}],"diagnostics":[{"reason":"input_schema_unsupported"}]}
}

# mint-allow-confinement-other-prefix: A confinement whose prefix no label carries does not apply.
test_mint_allow_confinement_other_prefix if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.confinement as [{"label_prefix":"customer:","scopes":["files:list"]}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-mint"}],"diagnostics":[]}
}

# mint-allow-confinement-satisfied: Confined scopes requested within the confinement set: allow.
test_mint_allow_confinement_satisfied if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing","customer:acme"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:list"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.confinement as [{"label_prefix":"customer:","scopes":["files:list"]}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-mint"}],"diagnostics":[]}
}

# mint-allow-restrict-empty: An empty restrict collection freezes nothing.
test_mint_allow_restrict_empty if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.restrict as {}
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-mint"}],"diagnostics":[]}
}

# mint-allow-risk-diagnostic: A scope with a risk tier but no approval gate: allow with the risk diagnostic.
test_mint_allow_risk_diagnostic if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.risk as [{"scope":"files:read","tier":"low"},{"scope":"files:write","tier":"high"}]
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-mint"}],"diagnostics":[{"risk":[{"scope":"files:read","tier":"low"}]}]}
}

# mint-allow-several-scopes-one-role: One role covers every requested scope: allow.
test_mint_allow_several_scopes_one_role if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read","files:list"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-mint"}],"diagnostics":[]}
}

# mint-allow-shared-grant-applications: Our extension: a grant may name several applications with `applications`.
test_mint_allow_shared_grant_applications if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-crm","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["auditor"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"applications":["app-billing","app-crm"],"roles":{"auditor":["files:read"]}}}
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-crm-mint"}],"diagnostics":[]}
}

# mint-allow: An agent session whose label is a role covering the requested scope: allow.
test_mint_allow if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-mint"}],"diagnostics":[]}
}

# mint-deny-agent-session-mismatch: The principal and the context name different agent sessions.
test_mint_deny_agent_session_mismatch if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-other","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-default-deny"}],"diagnostics":[{"reason":"no_rule_matched"}]}
}

# mint-deny-confinement: A label under a confinement prefix limits the scopes: confinement_violation.
test_mint_deny_confinement if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing","customer:acme"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.confinement as [{"label_prefix":"customer:","scopes":["files:list"]}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"confinement_violation"}]}
}

# mint-deny-lifecycle-scope: An agent mint never includes agent:lifecycle.
test_mint_deny_lifecycle_scope if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read","agent:lifecycle"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-default-deny"}],"diagnostics":[{"reason":"no_rule_matched"}]}
}

# mint-deny-malformed-approval-approver: An approver outside operator/subject/any fails every mint closed.
test_mint_deny_malformed_approval_approver if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.approval_tiers as [{"tier":"high","approver":"manager"}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"malformed_approval_data"}]}
}

# mint-deny-malformed-approval-privacy: A privacy mode outside identified/pseudonymous/anonymous fails every mint closed.
test_mint_deny_malformed_approval_privacy if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.approval_tiers as [{"tier":"high","privacy":"secret"}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"malformed_approval_data"}]}
}

# mint-deny-malformed-approval-tierless: An approval declaration without a tier fails every mint closed.
test_mint_deny_malformed_approval_tierless if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.approval_tiers as [{"approver":"operator"}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"malformed_approval_data"}]}
}

# mint-deny-malformed-approval-ttl: A ttl_seconds that is not a positive integer fails every mint closed.
test_mint_deny_malformed_approval_ttl if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.approval_tiers as [{"tier":"high","ttl_seconds":1.5}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"malformed_approval_data"}]}
}

# mint-deny-malformed-approval-unknown-field: An unknown field in a declaration (a typo of approver) fails closed rather than defaulting.
test_mint_deny_malformed_approval_unknown_field if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.approval_tiers as [{"tier":"high","aprover":"subject"}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"malformed_approval_data"}]}
}

# mint-deny-malformed-confinement: A confinement entry without scopes fails every mint closed instead of confining nothing.
test_mint_deny_malformed_confinement if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.confinement as [{"label_prefix":"customer:"}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"malformed_confinement_data"}]}
}

# mint-deny-malformed-risk-empty-tier: A risk entry with an empty tier fails every mint closed.
test_mint_deny_malformed_risk_empty_tier if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.risk as [{"scope":"files:read","tier":""}]
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"malformed_risk_data"}]}
}

# mint-deny-malformed-risk-not-a-list: A risk document that is not a list fails every mint closed.
test_mint_deny_malformed_risk_not_a_list if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.risk as {"files:read":"high"}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"malformed_risk_data"}]}
}

# mint-deny-no-role-label: A session without a label naming a role holds no role: role_scope_mismatch.
test_mint_deny_no_role_label if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["customer:acme"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"role_scope_mismatch"}]}
}

# mint-deny-no-scopes: A mint asks for at least one scope.
test_mint_deny_no_scopes if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":[]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-default-deny"}],"diagnostics":[{"reason":"no_rule_matched"}]}
}

# mint-deny-order-malformed-before-not-granted: Malformed risk data is reported before the missing grant.
test_mint_deny_order_malformed_before_not_granted if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://unknown","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.risk as [{"scope":"files:read"}]
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"malformed_risk_data"}]}
}

# mint-deny-order-restriction-first: A restriction is reported before anything else.
test_mint_deny_order_restriction_first if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://unknown","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.restrict as ["freeze"]
		with data.risk as "bad"
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-restrict"}],"diagnostics":[{"reason":"restriction_active"}]}
}

# mint-deny-other-application: The resource is owned by another application: resource_not_granted.
test_mint_deny_other_application if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-crm","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"resource_not_granted"}]}
}

# mint-deny-restrict-not-a-collection: A restrict document that is not a collection still freezes (fails closed).
test_mint_deny_restrict_not_a_collection if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.restrict as "freeze"
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-restrict"}],"diagnostics":[{"reason":"restriction_active"}]}
}

# mint-deny-restricted-list: restrict as a list of reasons freezes the zone.
test_mint_deny_restricted_list if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.restrict as ["incident-42"]
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-restrict"}],"diagnostics":[{"reason":"restriction_active"}]}
}

# mint-deny-restricted-object: restrict as an object keyed by reason freezes the zone.
test_mint_deny_restricted_object if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.restrict as {"maintenance_freeze":true}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-restrict"}],"diagnostics":[{"reason":"restriction_active"}]}
}

# mint-deny-scope-outside-role: The only role held does not contain the scope: role_scope_mismatch.
test_mint_deny_scope_outside_role if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:write"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"role_scope_mismatch"}]}
}

# mint-deny-scopes-split-across-roles: Two roles together cover the scopes but no single role does: role_scope_mismatch.
test_mint_deny_scopes_split_across_roles if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["auditor","writer"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read","files:write"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"role_scope_mismatch"}]}
}

# mint-deny-unknown-resource: No grant for the resource: resource_not_granted.
test_mint_deny_unknown_resource if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/admin","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-mint"}],"diagnostics":[{"reason":"resource_not_granted"}]}
}

# mint-deny-without-agent-session: A scope mint needs an agent session.
test_mint_deny_without_agent_session if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-default-deny"}],"diagnostics":[{"reason":"no_rule_matched"}]}
}

# mint-step-up-full-declaration: A declaration with approver, privacy and ttl_seconds is passed through as declared.
test_mint_step_up_full_declaration if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.approval_tiers as [{"tier":"high","approver":"subject","privacy":"pseudonymous","ttl_seconds":600}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.risk as [{"scope":"files:read","tier":"high"}]
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-mint"}],"diagnostics":[{"step_up_required":{"type":"human_approval","tiers":[{"tier":"high","approver":"subject","privacy":"pseudonymous","ttl_seconds":600}]}},{"risk":[{"scope":"files:read","tier":"high"}]}]}
}

# mint-step-up-required: A scope whose tier an approval tier gates: allow with step_up_required, defaults made explicit.
test_mint_step_up_required if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":false,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.approval_tiers as [{"tier":"high"},{"tier":"critical"}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.risk as [{"scope":"files:read","tier":"high"}]
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-mint"}],"diagnostics":[{"step_up_required":{"type":"human_approval","tiers":[{"tier":"high","approver":"operator","privacy":"identified"}]}},{"risk":[{"scope":"files:read","tier":"high"}]}]}
}

# mint-step-up-resolved: After approval (challenge_resolved) the same mint is allowed without a step-up requirement.
test_mint_step_up_resolved if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"TokenExchange"},"session":{"id":"ar-1"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"subject_claims":{"sub":"app-billing","client_id":"app-billing","use":"session","agent_session_id":"sess-1"},"trace_id":"req-2","session_id":"ar-1","agent_session_id":"sess-1","challenge_resolved":true,"requested_scopes":["files:read"]}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.approval_tiers as [{"tier":"high"}]
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.risk as [{"scope":"files:read","tier":"high"}]
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-mint"}],"diagnostics":[{"risk":[{"scope":"files:read","tier":"high"}]}]}
}

# no-data-denies: A zone without data authorizes nothing.
test_no_data_denies if {
	r := authz.result with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed"},"resource":{"type":"Resource","id":"res-lifecycle","identifier":"resource://caracal/lifecycle","scopes":["agent:lifecycle"]},"action":{"id":"TokenExchange"},"context":{"actor_claims":{"caracal_client_id":"app-billing"},"trace_id":"req-1","requested_scopes":["agent:lifecycle"]}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-bootstrap"}],"diagnostics":[{"reason":"resource_not_granted"}]}
}

# tool-call-allow-optional-argument-absent: Conditions on an absent, non-required argument do not apply.
test_tool_call_allow_optional_argument_absent if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/b.txt"}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-tool-call"}],"diagnostics":[]}
}

# tool-call-allow-path-under-prefix-without-slash: A prefix without a trailing slash admits paths below it at a segment boundary.
test_tool_call_allow_path_under_prefix_without_slash if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-tool-call"}],"diagnostics":[]}
}

# tool-call-allow-rules-satisfied: Every declared argument condition holds: allow.
test_tool_call_allow_rules_satisfied if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-tool-call"}],"diagnostics":[]}
}

# tool-call-allow-without-rules: A tool without rules under a mandate whose authority is still granted: allow.
test_tool_call_allow_without_rules if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"allow","evaluation_status":"complete","determining_policies":[{"policy":"caracal-app-billing-tool-call"}],"diagnostics":[]}
}

# tool-call-deny-above-max: A number above max: tool_argument_out_of_range.
test_tool_call_deny_above_max if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":1000}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_out_of_range","tool":"files/read_file","argument":"limit","condition":"max"}]}
}

# tool-call-deny-arguments-not-an-object: Arguments that are not an object match no rule.
test_tool_call_deny_arguments_not_an_object if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":["a"]},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-default-deny"}],"diagnostics":[{"reason":"no_rule_matched"}]}
}

# tool-call-deny-below-min: A number below min: tool_argument_out_of_range.
test_tool_call_deny_below_min if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":0}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_out_of_range","tool":"files/read_file","argument":"limit","condition":"min"}]}
}

# tool-call-deny-enum: A string outside the enum: tool_argument_not_allowed.
test_tool_call_deny_enum if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf16","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_not_allowed","tool":"files/read_file","argument":"encoding","condition":"enum"}]}
}

# tool-call-deny-first-violation-reported: With several violations the first by argument name, then condition, is reported.
test_tool_call_deny_first_violation_reported if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/etc","encoding":"x","limit":500}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_not_allowed","tool":"files/read_file","argument":"encoding","condition":"enum"}]}
}

# tool-call-deny-forbidden-present: A forbidden argument is present: tool_argument_forbidden.
test_tool_call_deny_forbidden_present if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10,"follow_symlinks":false}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_forbidden","tool":"files/read_file","argument":"follow_symlinks","condition":"forbidden"}]}
}

# tool-call-deny-malformed-rules-empty-arguments: A tool entry that declares no argument conditions is refused as malformed rather than read as "no rules".
test_tool_call_deny_malformed_rules_empty_arguments if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"malformed_tool_rules"}]}
}

# tool-call-deny-malformed-rules-empty-enum: An empty enum would deny silently forever; it is refused as malformed.
test_tool_call_deny_malformed_rules_empty_enum if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":[]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"malformed_tool_rules"}]}
}

# tool-call-deny-malformed-rules-inverted-range: min above max fails tool calls closed.
test_tool_call_deny_malformed_rules_inverted_range if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":10,"max":1},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"malformed_tool_rules"}]}
}

# tool-call-deny-malformed-rules-required-and-forbidden: An argument both required and forbidden fails closed.
test_tool_call_deny_malformed_rules_required_and_forbidden if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"forbidden":true},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"malformed_tool_rules"}]}
}

# tool-call-deny-malformed-rules-unknown-condition: An unknown condition (a typo) fails tool calls closed.
test_tool_call_deny_malformed_rules_unknown_condition if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"requird":true},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"malformed_tool_rules"}]}
}

# tool-call-deny-mandate-without-scope: A mandate that carries no scope: role_scope_mismatch.
test_tool_call_deny_mandate_without_scope if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"role_scope_mismatch"}]}
}

# tool-call-deny-not-granted: The grant no longer names the application: resource_not_granted.
test_tool_call_deny_not_granted if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-crm","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"resource_not_granted"}]}
}

# tool-call-deny-number-as-string: A numeric condition given a string ("5") is a type error, not a comparison.
test_tool_call_deny_number_as_string if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":"5"}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_invalid_type","tool":"files/read_file","argument":"limit","condition":"max"}]}
}

# tool-call-deny-path-outside-prefix: A path outside the allowed prefix: tool_argument_prefix_mismatch.
test_tool_call_deny_path_outside_prefix if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/etc/passwd","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_prefix_mismatch","tool":"files/read_file","argument":"path","condition":"path_prefix"}]}
}

# tool-call-deny-path-percent-encoded-dots: Percent-encoded dots are refused: a tool that decodes them would climb out.
test_tool_call_deny_path_percent_encoded_dots if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/%2E%2E/%2e%2e/etc/passwd","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_prefix_mismatch","tool":"files/read_file","argument":"path","condition":"path_prefix"}]}
}

# tool-call-deny-path-sibling-of-prefix: A prefix without a trailing slash admits its subtree only, not a sibling sharing its name ("/srv/public" vs "/srv/public-keys").
test_tool_call_deny_path_sibling_of_prefix if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public-keys/id.pem","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_prefix_mismatch","tool":"files/read_file","argument":"path","condition":"path_prefix"}]}
}

# tool-call-deny-path-traversal-backslash: A `..` segment behind a backslash separator is refused too.
test_tool_call_deny_path_traversal_backslash if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/..\\..\\etc\\passwd","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_prefix_mismatch","tool":"files/read_file","argument":"path","condition":"path_prefix"}]}
}

# tool-call-deny-path-traversal: A path that starts with the prefix but climbs out with `..`: tool_argument_prefix_mismatch.
test_tool_call_deny_path_traversal if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/../../etc/passwd","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_prefix_mismatch","tool":"files/read_file","argument":"path","condition":"path_prefix"}]}
}

# tool-call-deny-prefix: A string outside every allowed prefix: tool_argument_prefix_mismatch.
test_tool_call_deny_prefix if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10,"mode":"rw-all"}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_prefix_mismatch","tool":"files/read_file","argument":"mode","condition":"prefix"}]}
}

# tool-call-deny-required-missing: A required argument is absent: tool_argument_missing.
test_tool_call_deny_required_missing if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_missing","tool":"files/read_file","argument":"path","condition":"required"}]}
}

# tool-call-deny-restricted: A restriction freezes tool calls too.
test_tool_call_deny_restricted if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.restrict as ["freeze"]
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-restrict"}],"diagnostics":[{"reason":"restriction_active"}]}
}

# tool-call-deny-role-narrowed: The role no longer grants a carried scope, though the mandate is unexpired: role_scope_mismatch.
test_tool_call_deny_role_narrowed if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"role_scope_mismatch"}]}
}

# tool-call-deny-string-as-array: A prefix condition given an array is a type error.
test_tool_call_deny_string_as_array if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":["/srv/public/a"],"encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"tool_argument_invalid_type","tool":"files/read_file","argument":"path","condition":"path_prefix"}]}
}

# tool-call-deny-target-mismatch: A mandate minted for another resource: mandate_target_mismatch.
test_tool_call_deny_target_mismatch if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","name":"read_file","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/write"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-tool-call"}],"diagnostics":[{"reason":"mandate_target_mismatch"}]}
}

# tool-call-deny-without-tool-name: A tool-call input without a tool name matches no rule.
test_tool_call_deny_without_tool_name if {
	r := authz.tool_call with input as {"schema_version":"2026-05-20","principal":{"type":"Application","id":"app-billing","zone_id":"zone-1","registration_method":"managed","agent_session_id":"sess-1","lifecycle":"task","labels":["app-billing"]},"resource":{"type":"Resource","id":"res-files-read","identifier":"resource://files/read","scopes":["files:read","files:list","files:write"]},"action":{"id":"ToolCall","method":"tools/call"},"tool":{"server":"files","arguments":{"path":"/srv/public/a.txt","encoding":"utf8","limit":10}},"context":{"subject_claims":{"client_id":"app-billing","use":"resource","scope":"files:read","target":["resource://files/read"],"agent_session_id":"sess-1"},"trace_id":"req-3","agent_session_id":"sess-1"}}
		with data.app_ids as {"app-billing":"app-billing","billing-legacy":"app-billing","app-crm":"app-crm"}
		with data.grants as {"resource://caracal/lifecycle":{"application":"app-billing","roles":{}},"resource://files/read":{"application":"app-billing","roles":{"app-billing":["files:read","files:list"],"auditor":["files:read"],"writer":["files:write"]}}}
		with data.tool_rules as {"files":{"read_file":{"arguments":{"path":{"required":true,"path_prefix":["/srv/public/"]},"encoding":{"enum":["utf8","base64"]},"limit":{"min":1,"max":100},"follow_symlinks":{"forbidden":true},"mode":{"prefix":["ro-"]}}}}}
	r == {"decision":"deny","evaluation_status":"complete","determining_policies":[{"policy":"caracal-default-deny"}],"diagnostics":[{"reason":"no_rule_matched"}]}
}
