"""The action server registers exactly our actions (an abstract base must not be registered)."""

from rasa_sdk.executor import ActionExecutor

from tests.helpers import domain


def test_every_domain_action_is_registered_and_nothing_else():
    executor = ActionExecutor()
    executor.register_package("actions")
    custom = {name for name in domain()["actions"]} | {"validate_handoff_form"}
    assert set(executor.actions) == custom
