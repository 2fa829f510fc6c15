"""What the services share about NATS: the event stream's definition, the connection, URLs for logs.
Imported only by services that use nats-py."""
