"""Weekly knowledge-share rota: plans presenters, sends invites and digests, reads replies."""
