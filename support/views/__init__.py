"""Support pages, one module by area: referrals in, one referral's journey, caseloads and reports, plans,
and coordinators' settings. support.urls imports each view from its own module.

Thin: parse the input, check the permission (support.permissions), call one service or query, render
or redirect. A DomainError is shown beside the fields it names; nothing has been written.
"""
