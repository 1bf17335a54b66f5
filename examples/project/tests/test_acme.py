from acme import Greeting


def test_greeting():
    assert Greeting("you").text() == "hello, you"
