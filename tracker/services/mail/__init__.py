"""Everything the system sends, in one package: what it sends, when and to whom
(:mod:`.catalogue`), each kind's recipients, text and dedup key (:mod:`.messages`), the timing
rules (:mod:`.planner`, :mod:`.policy`), the outbox (:mod:`.outbox`) and the SMTP sender
(:mod:`.sender`)."""
