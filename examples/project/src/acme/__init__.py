"""acme: the example project of examples/project/venv.yaml."""
import attrs


@attrs.define
class Greeting:
    name: str

    def text(self) -> str:
        return f"hello, {self.name}"


def main() -> None:
    print(Greeting("world").text())
