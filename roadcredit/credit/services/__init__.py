"""Credit writes, one module per topic (``records``, ``intake``, ``linking``, ``grading``,
``rulesets``; repair, objections, lists and publicity in their own modules)."""
