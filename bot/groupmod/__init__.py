"""Group moderation as a capability: the shell around the pure rule engine in `bot.moderation`.

`service` (per-process caches and flood counters), `activity` (in memory or Redis),
`auto` (messages judged and acted on), `acts` (sanctions, cases, ladder, timers),
`notices` (who is told what), `commands` (moderators' commands), `appeals`,
`captcha`, `abuse` (the handoff's abuse signal). `bot/handlers/moderation.py` routes
events here.
"""
