# Unit tests of the helpers the decision rules rest on; the decision cases themselves are in
# cases_test.rego, generated from fixtures/policy.
package caracal.authz_helpers_test

import data.caracal.authz

test_safe_path_under_accepts_a_path_below_the_prefix if {
	authz.safe_path_under("/srv/public/a/b.txt", ["/tmp/", "/srv/public/"])
}

test_safe_path_under_refuses_dot_dot_segments if {
	not authz.safe_path_under("/srv/public/a/../../etc", ["/srv/public/"])
	not authz.safe_path_under("/srv/public/..", ["/srv/public/"])
}

test_safe_path_under_allows_dots_inside_a_name if {
	authz.safe_path_under("/srv/public/a..b/c...txt", ["/srv/public/"])
}

test_safe_path_under_refuses_nul_bytes if {
	not authz.safe_path_under("/srv/public/a\u0000.txt", ["/srv/public/"])
}

test_mandate_scopes_split_on_any_whitespace if {
	scopes := authz.mandate_scopes with input as {"context": {"subject_claims": {"scope": " a  b\tc\nd "}}}
	scopes == {"a", "b", "c", "d"}
}

test_mandate_scopes_empty_without_a_scope_claim if {
	scopes := authz.mandate_scopes with input as {"context": {"subject_claims": {}}}
	scopes == set()
}

test_requested_scopes_ignore_non_strings_and_empties if {
	scopes := authz.requested_scopes with input as {"context": {"requested_scopes": ["a", "", 3, null, "b"]}}
	scopes == {"a", "b"}
}

test_role_covers_needs_one_role_with_every_scope if {
	grant_data := {"r": {"application": "k", "roles": {"x": ["a"], "y": ["b"], "z": ["a", "b"]}}}
	authz.role_covers({"a", "b"}) with input as {"principal": {"labels": ["z"]}, "resource": {"identifier": "r"}}
		with data.grants as grant_data
	not authz.role_covers({"a", "b"}) with input as {"principal": {"labels": ["x", "y"]}, "resource": {"identifier": "r"}}
		with data.grants as grant_data
}

test_role_covers_nothing_for_no_scopes if {
	not authz.role_covers(set()) with input as {"principal": {"labels": ["z"]}, "resource": {"identifier": "r"}}
		with data.grants as {"r": {"application": "k", "roles": {"z": ["a"]}}}
}

test_normalized_approval_fills_defaults_and_keeps_ttl_only_when_declared if {
	authz.normalized_approval({"tier": "t"}) == {"tier": "t", "approver": "operator", "privacy": "identified"}
	authz.normalized_approval({"tier": "t", "ttl_seconds": 60}) == {"tier": "t", "approver": "operator", "privacy": "identified", "ttl_seconds": 60}
}

test_restriction_active_for_any_non_empty_collection_or_non_collection if {
	authz.restriction_active with data.restrict as ["x"]
	authz.restriction_active with data.restrict as {"x": true}
	authz.restriction_active with data.restrict as "x"
	authz.restriction_active with data.restrict as true
	not authz.restriction_active with data.restrict as []
	not authz.restriction_active with data.restrict as {}
	not authz.restriction_active with data.restrict as null
}

test_valid_approval_tier_rules if {
	authz.valid_approval_tier({"tier": "t", "approver": "any", "privacy": "anonymous", "ttl_seconds": 3600})
	not authz.valid_approval_tier({"tier": "t", "ttl_seconds": 0})
	not authz.valid_approval_tier({"tier": "t", "ttl_seconds": "60"})
	not authz.valid_approval_tier({"tier": ""})
	not authz.valid_approval_tier("t")
}

test_valid_condition_rules if {
	authz.valid_condition({"required": true, "prefix": ["a"]})
	authz.valid_condition({"min": 0, "max": 0})
	not authz.valid_condition({})
	not authz.valid_condition({"prefix": "a"})
	not authz.valid_condition({"prefix": [""]})
	not authz.valid_condition({"required": "yes"})
	not authz.valid_condition({"min": 2, "max": 1})
}

test_safe_path_under_respects_segment_boundaries if {
	authz.safe_path_under("/srv/demo", ["/srv/demo"])
	authz.safe_path_under("/srv/demo/a", ["/srv/demo"])
	not authz.safe_path_under("/srv/demo-secrets/key.pem", ["/srv/demo"])
	not authz.safe_path_under("/srv/demo", ["/srv/demo/"])
}

test_safe_path_under_refuses_percent_encoded_separators if {
	not authz.safe_path_under("/srv/demo/%2e%2e/etc", ["/srv/demo/"])
	not authz.safe_path_under("/srv/demo/a%2Fb", ["/srv/demo/"])
	not authz.safe_path_under("/srv/demo/a%5cb", ["/srv/demo/"])
}
