# Risk tiers and approval tiers: an allowed mint whose scopes fall in a tier that `approval_tiers`
# gates is still an allow, but carries a step-up requirement the STS turns into a human approval.
package caracal.authz

matched_risk := [{"scope": entry.scope, "tier": entry.tier} |
	some entry in risk_doc
	entry.scope in requested_scopes
]

matched_tiers := {m.tier | some m in matched_risk}

# Matched declarations with their defaults made explicit; ttl_seconds only when declared, so the
# STS applies its class default otherwise.
matched_approvals := [normalized_approval(d) |
	some d in approval_doc
	d.tier in matched_tiers
]

normalized_approval(d) := {
	"tier": d.tier,
	"approver": object.get(d, "approver", "operator"),
	"privacy": object.get(d, "privacy", "identified"),
	"ttl_seconds": d.ttl_seconds,
} if {
	d.ttl_seconds
} else := {
	"tier": d.tier,
	"approver": object.get(d, "approver", "operator"),
	"privacy": object.get(d, "privacy", "identified"),
}

step_up_diagnostics := [{"step_up_required": {"type": "human_approval", "tiers": matched_approvals}} |
	count(matched_approvals) > 0
	not challenge_resolved
]

risk_diagnostics := [{"risk": matched_risk} | count(matched_risk) > 0]

mint_diagnostics := [] if {
	count(matched_risk) == 0
} else := array.concat(step_up_diagnostics, risk_diagnostics)
