"""The flow `aci-flow demo --prefect` deploys from this folder and runs through aci-flow.

It prints a few steps a second apart. On ACI a cancelled run's container goes with its
container group; the demo's emulated containers are local processes, and `prefect flow-run
execute` runs the flow in a session of its own that stopping the container does not reach.
So between steps the flow looks at its own state, and once the run is no longer Running it
waits for the final state and ends its process at once, as a deleted container would.
"""
import os
import time

from prefect import flow, get_client
from prefect.runtime import flow_run


def current_state():
    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run.id).state


def vanish_like_a_deleted_container() -> None:
    deadline = time.time() + 60
    while time.time() < deadline and not current_state().is_final():
        time.sleep(0.5)
    os._exit(0)


@flow(name="hello-prefect", log_prints=True)
def hello_flow(steps: int = 5) -> int:
    for step in range(1, steps + 1):
        print(f"step {step} of {steps}")
        time.sleep(1)
        if not current_state().is_running():
            vanish_like_a_deleted_container()
    print("done")
    return steps
