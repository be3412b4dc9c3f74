"""Pure domain code: models, rota, schedule rules, validation. No I/O, no clock."""
