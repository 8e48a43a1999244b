# Accessors over the exchange / tool-call input document (schema 2026-05-20), each tolerant of
# absent or mistyped fields so that a malformed input makes rules undefined (deny), never an error.
package caracal.authz

INPUT_SCHEMA_VERSION := "2026-05-20"

LIFECYCLE_SCOPE := "agent:lifecycle"

schema_supported if input.schema_version == INPUT_SCHEMA_VERSION

principal := p if {
	p := input.principal
	is_object(p)
} else := {}

ctx := c if {
	c := input.context
	is_object(c)
} else := {}

# The acting application: the principal's id, a non-empty string.
acting_app := a if {
	a := principal.id
	is_string(a)
	a != ""
}

labels := {l | some l in principal.labels; is_string(l)}

requested_scopes := {s | some s in ctx.requested_scopes; is_string(s); s != ""}

agent_session_id := s if {
	s := principal.agent_session_id
	is_string(s)
	s != ""
}

# An agent session named anywhere in the input counts, so that a bootstrap cannot be smuggled
# through with the session id in only one of the two places.
names_agent_session if agent_session_id

names_agent_session if {
	s := ctx.agent_session_id
	is_string(s)
	s != ""
}

edge := e if {
	e := input.delegation_edge
	is_object(e)
}

has_edge if input.delegation_edge

subject_claims := c if {
	c := ctx.subject_claims
	is_object(c)
} else := {}

resource_identifier := r if {
	r := input.resource.identifier
	is_string(r)
	r != ""
}

challenge_resolved if ctx.challenge_resolved == true

# Scopes carried by the presented mandate: its space-delimited `scope` claim.
mandate_scopes := {s |
	raw := subject_claims.scope
	is_string(raw)
	some s in split(replace(replace(raw, "\t", " "), "\n", " "), " ")
	s != ""
}

mandate_targets := {t | some t in subject_claims.target; is_string(t)}
