"""The hub's non-durable background loops: the scheduler's tick and the hub process that
runs it beside the outbox relay, month-end invoicing, retries and housekeeping. They
start durable flows (`accord.flows`) but are not flows themselves."""
