"""The web page people upload from: static ES modules and CSS shipped inside the gateway package."""
