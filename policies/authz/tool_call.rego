# Entrypoint caracal/authz/tool_call: evaluated by the proxy on each tools/call, after the
# resource mandate verified. Re-checks that the mandate's authority is still granted now (a
# narrowed grant takes effect before the mandate expires) and applies `tool_rules`, our MCP
# extension: conditions on the call's top-level arguments.
package caracal.authz

tool_call := deny("caracal-restrict", "restriction_active") if {
	restriction_active
} else := deny("caracal-default-deny", "input_schema_unsupported") if {
	not schema_supported
} else := deny("caracal-tool-call", "malformed_tool_rules") if {
	tool_rules_malformed
} else := tool_call_decision if {
	tool_call_shape
} else := deny("caracal-default-deny", "no_rule_matched")

tool_call_shape if {
	acting_app
	non_empty_string(input.tool.server)
	non_empty_string(input.tool.name)
	is_object(tool_arguments)
}

tool_arguments := object.get(input.tool, "arguments", {})

tool_call_decision := deny("caracal-tool-call", "resource_not_granted") if {
	not resource_granted
} else := deny("caracal-tool-call", "mandate_target_mismatch") if {
	not resource_identifier in mandate_targets
} else := deny("caracal-tool-call", "role_scope_mismatch") if {
	not role_covers(mandate_scopes)
} else := deny_tool_argument(first_violation) if {
	first_violation
} else := allow(concat("", ["caracal-", owner_binding_key, "-tool-call"]), [])

deny_tool_argument(v) := {
	"decision": "deny",
	"evaluation_status": "complete",
	"determining_policies": [{"policy": "caracal-tool-call"}],
	"diagnostics": [{
		"reason": v[3],
		"tool": concat("/", [input.tool.server, input.tool.name]),
		"argument": v[0],
		"condition": v[2],
	}],
}

# Conditions declared for this tool, or none.
tool_conditions := c if {
	c := tool_rules_doc[input.tool.server][input.tool.name].arguments
} else := {}

# Each violation is [argument, condition rank, condition, reason]; sorting makes the reported
# one deterministic when several fail.
first_violation := sort(violations)[0]

# Each rule binds its condition's value first: a condition the rule does not declare must make
# the rule undefined, not compare against an empty set.

violations contains [arg, 0, "required", "tool_argument_missing"] if {
	some arg, cond in tool_conditions
	cond.required == true
	not arg in object.keys(tool_arguments)
}

violations contains [arg, 1, "forbidden", "tool_argument_forbidden"] if {
	some arg, cond in tool_conditions
	cond.forbidden == true
	arg in object.keys(tool_arguments)
}

violations contains [arg, 2, kind, "tool_argument_invalid_type"] if {
	some arg, cond in tool_conditions
	value := tool_arguments[arg]
	some kind in object.keys(cond)
	expects_string(kind)
	not is_string(value)
}

violations contains [arg, 2, kind, "tool_argument_invalid_type"] if {
	some arg, cond in tool_conditions
	value := tool_arguments[arg]
	some kind in object.keys(cond)
	kind in {"min", "max"}
	not is_number(value)
}

violations contains [arg, 3, "prefix", "tool_argument_prefix_mismatch"] if {
	some arg, cond in tool_conditions
	value := tool_arguments[arg]
	prefixes := cond.prefix
	is_string(value)
	not has_prefix(value, prefixes)
}

violations contains [arg, 3, "path_prefix", "tool_argument_prefix_mismatch"] if {
	some arg, cond in tool_conditions
	value := tool_arguments[arg]
	prefixes := cond.path_prefix
	is_string(value)
	not safe_path_under(value, prefixes)
}

violations contains [arg, 4, "enum", "tool_argument_not_allowed"] if {
	some arg, cond in tool_conditions
	value := tool_arguments[arg]
	allowed := cond.enum
	is_string(value)
	not value in {x | some x in allowed}
}

violations contains [arg, 5, "min", "tool_argument_out_of_range"] if {
	some arg, cond in tool_conditions
	value := tool_arguments[arg]
	bound := cond.min
	is_number(value)
	value < bound
}

violations contains [arg, 5, "max", "tool_argument_out_of_range"] if {
	some arg, cond in tool_conditions
	value := tool_arguments[arg]
	bound := cond.max
	is_number(value)
	value > bound
}

expects_string(kind) if kind in {"prefix", "path_prefix", "enum"}

has_prefix(value, prefixes) if {
	some p in prefixes
	startswith(value, p)
}

# A path argument is under an allowed prefix only if it is the prefix itself or continues it at a
# segment boundary ("/srv/demo" admits "/srv/demo/a", never "/srv/demo-secrets"), and cannot climb
# out of it: no `..` segment (either separator), no percent-encoded dot, slash or backslash (a
# tool that decodes them would climb), no NUL byte.
safe_path_under(value, prefixes) if {
	some p in prefixes
	path_within(value, p)
	not ".." in split(replace(value, "\\", "/"), "/")
	not encoded_separator(value)
	not contains(value, "\u0000")
}

path_within(value, p) if {
	endswith(p, "/")
	startswith(value, p)
}

path_within(value, p) if value == p

path_within(value, p) if {
	not endswith(p, "/")
	startswith(value, concat("", [p, "/"]))
}

encoded_separator(value) if {
	some code in ["%2e", "%2f", "%5c"]
	contains(lower(value), code)
}
