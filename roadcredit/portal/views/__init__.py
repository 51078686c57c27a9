"""Pages of the phone portal: holders (``holder``), inspectors (``inspect``) and the credit
guidance (``guidance``). Each view parses, checks the scope through a selector, calls one
service or selector and renders; access is declared in ``accounts.policy``."""
