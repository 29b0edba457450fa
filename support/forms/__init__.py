"""Support forms, one module by area like support.views. Input parsing only: every rule (eligibility,
caps, who may do what, plan contents) lives in support.services and support.plans, which report
problems by field name; the views put them beside the matching field here."""
