"""The use cases each durable flow orchestrates, one small class per flow.

Each step changes another system, is idempotent by business key (the same document
reaches each system once, whatever is retried) and reports a gateway failure as a value,
so the flow can record it, open an exception and wait for the fix. The classes share
what they need through one `StepContext`.
"""
