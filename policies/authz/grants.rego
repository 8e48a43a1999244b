# Who owns a resource and which scopes a role may hold: `grants` names the owning application by
# binding key, `app_ids` resolves binding keys to application ids. Several keys may alias one
# application, but a key only ever resolves to the application `app_ids` names, so an alias
# cannot carry a grant across applications.
package caracal.authz

grant := g if {
	g := data.grants[resource_identifier]
	is_object(g)
}

# A grant names its owner with `application` (Caracal's shape) or, our extension for tool groups
# shared by several client applications, with `applications`.
owner_binding_keys contains k if {
	k := grant.application
	data.app_ids[k] == acting_app
}

owner_binding_keys contains k if {
	some k in grant.applications
	data.app_ids[k] == acting_app
}

resource_granted if count(owner_binding_keys) > 0

# The binding key used to name the determining policy: the smallest, so the name is stable.
owner_binding_key := min(owner_binding_keys)

role_scopes(label) := {s | some s in grant.roles[label]; non_empty_string(s)}

# Some single role held by the principal (via a session label) covers every scope asked for.
role_covers(scopes) if {
	count(scopes) > 0
	some label in labels
	held := role_scopes(label)
	every s in scopes {
		s in held
	}
}

# A label under a confinement prefix limits the principal to that entry's scopes.
confinement_violated(scopes) if {
	some entry in confinement_doc
	some label in labels
	startswith(label, entry.label_prefix)
	some s in scopes
	not s in {x | some x in entry.scopes}
}

edge_scopes := {s | some s in edge.scopes; non_empty_string(s)}

delegation_scope_exceeded(scopes) if {
	some s in scopes
	not s in edge_scopes
}
