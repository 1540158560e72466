"""Human handoff: tickets, the staff workspace, agent commands, service levels and KPIs,
files both ways, and shielding agents from abuse.

Pure decisions live in their own modules and do no I/O (`hours`, `lifecycle`,
`triggers`, `waiting`, `card`, `kpis`); the async shells beside them load what a
decision needs from the transaction and turn its result into actions (`tickets`,
`workspace`, `relay`, `commands`, `csat`, `sla`, `privacy`, `report`, `shield`,
`undelivered`). The
pipeline step that routes events to them is `bot.handlers.handoff`.
"""
