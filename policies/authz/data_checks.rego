# Well-formedness of the adopter's data documents. Malformed documents deny (fail closed) with a
# reason naming the document; the TypeScript loader rejects the same shapes before they get here.
package caracal.authz

APPROVERS := {"operator", "subject", "any"}

PRIVACY_MODES := {"identified", "pseudonymous", "anonymous"}

risk_doc := d if {
	d := data.risk
} else := []

approval_doc := d if {
	d := data.approval_tiers
} else := []

confinement_doc := d if {
	d := data.confinement
} else := []

tool_rules_doc := d if {
	d := data.tool_rules
} else := {}

non_empty_string(s) if {
	is_string(s)
	s != ""
}

non_empty_string_list(xs) if {
	is_array(xs)
	count(xs) > 0
	every x in xs {
		non_empty_string(x)
	}
}

positive_integer(n) if {
	is_number(n)
	n == floor(n)
	n > 0
}

# restrict: any entry of any collection freezes the zone; a document of another type also
# freezes it, since a freeze that fails to parse must not silently lift.
restriction_active if {
	r := data.restrict
	r != null
	not is_array(r)
	not is_object(r)
	not is_set(r)
}

restriction_active if {
	r := data.restrict
	count(r) > 0
}

risk_malformed if not is_array(risk_doc)

risk_malformed if {
	some entry in risk_doc
	not valid_risk_entry(entry)
}

# Field checks count keys instead of comparing key sets: in wasm a set costs an allocation per
# member, and these checks run on every evaluation.
valid_risk_entry(entry) if {
	is_object(entry)
	count(entry) == 2
	non_empty_string(entry.scope)
	non_empty_string(entry.tier)
}

approval_malformed if not is_array(approval_doc)

approval_malformed if {
	some entry in approval_doc
	not valid_approval_tier(entry)
}

valid_approval_tier(entry) if {
	is_object(entry)
	non_empty_string(entry.tier)
	count(entry) == ((1 + count_optional(entry, "approver")) + count_optional(entry, "privacy")) + count_optional(entry, "ttl_seconds")
	object.get(entry, "approver", "operator") in APPROVERS
	object.get(entry, "privacy", "identified") in PRIVACY_MODES
	positive_integer(object.get(entry, "ttl_seconds", 1))
}

# 1 when the optional field is present, else 0: fields beyond tier and the optional three make
# the count differ, so an unknown field (a typo of approver) is refused rather than ignored.
count_optional(entry, field) := 1 if {
	_ = entry[field]
} else := 0

confinement_malformed if not is_array(confinement_doc)

confinement_malformed if {
	some entry in confinement_doc
	not valid_confinement_entry(entry)
}

valid_confinement_entry(entry) if {
	is_object(entry)
	count(entry) == 2
	non_empty_string(entry.label_prefix)
	is_array(entry.scopes)
	every s in entry.scopes {
		non_empty_string(s)
	}
}

TOOL_CONDITIONS := {"required", "forbidden", "prefix", "path_prefix", "enum", "min", "max"}

# tool_rules: {server: {tool: {"arguments": {name: condition}}}}.
tool_rules_malformed if not is_object(tool_rules_doc)

tool_rules_malformed if {
	some server, tools in tool_rules_doc
	not valid_server_rules(server, tools)
}

valid_server_rules(server, tools) if {
	non_empty_string(server)
	is_object(tools)
	every tool, rule in tools {
		non_empty_string(tool)
		valid_tool_rule(rule)
	}
}

valid_tool_rule(rule) if {
	is_object(rule)
	object.keys(rule) == {"arguments"}
	is_object(rule.arguments)
	count(rule.arguments) > 0
	every arg, cond in rule.arguments {
		non_empty_string(arg)
		valid_condition(cond)
	}
}

valid_condition(cond) if {
	is_object(cond)
	count(cond) > 0
	every key, value in cond {
		key in TOOL_CONDITIONS
		valid_condition_value(key, value)
	}
	not both_required_and_forbidden(cond)
	not inverted_range(cond)
}

valid_condition_value(key, value) if {
	key in {"required", "forbidden"}
	is_boolean(value)
}

valid_condition_value(key, value) if {
	key in {"prefix", "path_prefix", "enum"}
	non_empty_string_list(value)
}

valid_condition_value(key, value) if {
	key in {"min", "max"}
	is_number(value)
}

both_required_and_forbidden(cond) if {
	cond.required == true
	cond.forbidden == true
}

inverted_range(cond) if cond.min > cond.max
