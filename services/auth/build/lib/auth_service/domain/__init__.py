"""The auth domain: pure rules and models, free of frameworks and transports."""
