"""NATS URLs as logs show them."""

from fileuploader_runtime.nats.urls import without_credentials


def test_user_password_and_token_are_left_out_of_every_server():
    url = "nats://auth:s3cret@nats-1:4222, tls://t0ken@nats-2:4222,nats://nats-3:4222"

    assert without_credentials(url) == "nats://nats-1:4222,tls://nats-2:4222,nats://nats-3:4222"
