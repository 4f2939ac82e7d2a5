"""Who may do what: employee sessions and roles, accounts (sites, users, tokens), API callers, CORS, keys."""
