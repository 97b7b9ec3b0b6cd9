"""Drives the aci-flow emulator with the published Azure SDK for Python and prints, as one
JSON document, what the SDK's models parsed from every response. The jest test
(fidelity.test.ts) asserts on that output; this script only observes and reports.

Usage: python aci_fidelity.py <endpoint> <ca-cert-path> <subscription-id> <resource-group>
"""
import datetime
import json
import ssl
import sys
import time
import urllib.request

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.containerinstance import ContainerInstanceManagementClient
from azure.mgmt.containerinstance.models import Container, ContainerGroup, Resource, ResourceRequests, ResourceRequirements
from azure.mgmt.resource import ResourceManagementClient

POLL = 0.1


class StaticTokenCredential:
    """The emulator accepts any bearer token; the SDK's bearer policy only needs one."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken("python-fidelity-token", int(time.time()) + 3600)


def unknown_fields(model, path="$"):
    """Fields the SDK did not recognise (msrest keeps them in additional_properties), by path."""
    found = []
    if isinstance(model, list):
        for index, item in enumerate(model):
            found += unknown_fields(item, f"{path}[{index}]")
        return found
    if isinstance(model, dict) or not hasattr(model, "_attribute_map"):
        return found
    for key in (getattr(model, "additional_properties", None) or {}):
        found.append(f"{path}.{key}")
    for attribute in model._attribute_map:
        if attribute != "additional_properties":
            found += unknown_fields(getattr(model, attribute, None), f"{path}.{attribute}")
    return found


def iso(value):
    return value.isoformat() if isinstance(value, datetime.datetime) else None


def template(group_name, image, command):
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"groupName": {"type": "string"}},
        "resources": [
            {
                "type": "Microsoft.ContainerInstance/containerGroups",
                "apiVersion": "2023-05-01",
                "name": "[parameters('groupName')]",
                "location": "[resourceGroup().location]",
                "tags": {"managed-by": "aci-flow", "client": "python"},
                "properties": {
                    "osType": "Linux",
                    "restartPolicy": "Never",
                    "containers": [
                        {
                            "name": "main",
                            "properties": {
                                "image": image,
                                "command": command,
                                "environmentVariables": [{"name": "GREETING", "value": "hello from python"}],
                                "resources": {"requests": {"cpu": 1.0, "memoryInGB": 1.5}},
                            },
                        }
                    ],
                },
            }
        ],
    }


def deploy(resources, resource_group, deployment_name, group_name, image, command):
    body = {
        "properties": {
            "mode": "Incremental",
            "template": template(group_name, image, command),
            "parameters": {"groupName": {"value": group_name}},
        }
    }
    return resources.deployments.begin_create_or_update(resource_group, deployment_name, body, polling_interval=POLL).result()


def wait_for_state(aci, resource_group, group_name, state, timeout=15):
    deadline = time.time() + timeout
    while True:
        group = aci.container_groups.get(resource_group, group_name)
        current = group.containers[0].instance_view.current_state if group.containers[0].instance_view else None
        if current is not None and current.state == state:
            return group
        if time.time() > deadline:
            raise TimeoutError(f"{group_name} did not reach {state}")
        time.sleep(POLL)


def wait_for_logs(aci, resource_group, group_name, timeout=15):
    """Polls the logs until the container has written a whole line."""
    deadline = time.time() + timeout
    while True:
        logs = aci.containers.list_logs(resource_group, group_name, "main")
        if logs.content and logs.content.endswith("\n"):
            return logs
        if time.time() > deadline:
            raise TimeoutError(f"{group_name} wrote no complete log line; logs so far: {logs.content!r}")
        time.sleep(POLL)


def container_view(group):
    view = group.containers[0].instance_view
    state = view.current_state
    return {
        "groupState": group.instance_view.state if group.instance_view else None,
        "provisioningState": group.provisioning_state,
        "state": state.state,
        "detailStatus": state.detail_status,
        "exitCode": state.exit_code,
        "startTime": iso(state.start_time),
        "finishTime": iso(state.finish_time),
        "events": [{"name": e.name, "type": e.type, "firstTimestamp": iso(e.first_timestamp)} for e in (view.events or [])],
    }


def set_faults(endpoint, ca_path, faults):
    """PUT /_emulator/faults: the emulator's control endpoint, outside ARM."""
    request = urllib.request.Request(
        f"{endpoint}/_emulator/faults", data=json.dumps(faults).encode(), method="PUT", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, context=ssl.create_default_context(cafile=ca_path)) as response:
        return json.load(response)


def main():
    endpoint, ca_path, subscription_id, resource_group = sys.argv[1:5]
    options = {"base_url": endpoint, "connection_verify": ca_path}
    credential = StaticTokenCredential()
    resources = ResourceManagementClient(credential, subscription_id, **options)
    aci = ContainerInstanceManagementClient(credential, subscription_id, **options)
    report = {"unknownFields": {}}

    def check(name, model):
        fields = unknown_fields(model)
        if fields:
            report["unknownFields"][name] = fields
        return model

    # a deployment whose container exits with code 3
    deployment = check("deployment", deploy(resources, resource_group, "py-dep-exit", "py-exit", "busybox", ["sh", "-c", "echo first; echo $GREETING; exit 3"]))
    report["deployment"] = {"name": deployment.name, "provisioningState": deployment.properties.provisioning_state, "mode": deployment.properties.mode}
    report["deploymentGet"] = check("deploymentGet", resources.deployments.get(resource_group, "py-dep-exit")).properties.provisioning_state
    exited = check("exitedGroup", wait_for_state(aci, resource_group, "py-exit", "Terminated"))
    report["exited"] = container_view(exited)
    logs = check("logs", aci.containers.list_logs(resource_group, "py-exit", "main", tail=1, timestamps=True))
    report["exitedLogsTail1"] = logs.content

    # a long-running container: get, logs, stop, list, delete
    check("runningDeployment", deploy(resources, resource_group, "py-dep-run", "py-run", "busybox", ["sh", "-c", "echo running; sleep 60"]))
    running = check("runningGroup", wait_for_state(aci, resource_group, "py-run", "Running"))
    report["running"] = container_view(running)
    report["runningGroup"] = {
        "name": running.name,
        "id": running.id,
        "location": running.location,
        "tags": running.tags,
        "osType": running.os_type,
        "restartPolicy": running.restart_policy,
        "image": running.containers[0].image,
        "cpu": running.containers[0].resources.requests.cpu,
        "memoryInGB": running.containers[0].resources.requests.memory_in_gb,
        "env": [{"name": e.name, "value": e.value} for e in running.containers[0].environment_variables],
    }
    report["runningLogs"] = check("runningLogs", wait_for_logs(aci, resource_group, "py-run")).content
    listed = [check(f"list[{g.name}]", g) for g in aci.container_groups.list_by_resource_group(resource_group)]
    report["listed"] = sorted(g.name for g in listed)
    report["listedHasInstanceView"] = any(g.instance_view is not None or g.containers[0].instance_view is not None for g in listed)
    report["listedBySubscription"] = sorted(check(f"listAll[{g.name}]", g).name for g in aci.container_groups.list())
    aci.container_groups.stop(resource_group, "py-run")
    stopped = check("stoppedGroup", wait_for_state(aci, resource_group, "py-run", "Terminated"))
    report["stopped"] = container_view(stopped)
    aci.container_groups.begin_delete(resource_group, "py-run", polling_interval=POLL).result()
    try:
        aci.container_groups.get(resource_group, "py-run")
        report["afterDelete"] = "still there"
    except ResourceNotFoundError as error:
        report["afterDelete"] = {"status": error.status_code, "code": error.error.code if error.error else None}
    resources.deployments.begin_delete(resource_group, "py-dep-run", polling_interval=POLL).result()
    report["deploymentsLeft"] = sorted(d.name for d in resources.deployments.list_by_resource_group(resource_group))

    # a deployment that fails: the SDK raises, the deployment and its operations carry the inner error
    try:
        deploy(resources, resource_group, "py-dep-pull", "py-pull", "example.com/does-not-exist:1", ["true"])
        report["failedDeploy"] = "did not raise"
    except HttpResponseError as error:
        failed = check("failedDeployment", resources.deployments.get(resource_group, "py-dep-pull"))
        operations = [check("operation", op) for op in resources.deployment_operations.list(resource_group, "py-dep-pull")]
        report["failedDeploy"] = {
            "raised": type(error).__name__,
            "provisioningState": failed.properties.provisioning_state,
            "errorCode": failed.properties.error.code,
            "detailCodes": [d.code for d in failed.properties.error.details],
            "operationStatus": [op.properties.provisioning_state for op in operations],
            "operationErrorCodes": [op.properties.status_message.error.code for op in operations if op.properties.status_message],
        }

    # a container group created directly, as `az container create` and Terraform do: create, patch tags, stop, start, restart, delete
    direct = ContainerGroup(
        location="eastus",
        os_type="Linux",
        restart_policy="Never",
        tags={"client": "python"},
        containers=[
            Container(
                name="main",
                image="busybox",
                command=["sh", "-c", "echo direct from python; sleep 30"],
                resources=ResourceRequirements(requests=ResourceRequests(cpu=1, memory_in_gb=1)),
            )
        ],
    )
    created = check("directCreate", aci.container_groups.begin_create_or_update(resource_group, "py-direct", direct, polling_interval=POLL).result())
    direct_running = check("directGroup", wait_for_state(aci, resource_group, "py-direct", "Running"))
    patched = check("directPatch", aci.container_groups.update(resource_group, "py-direct", Resource(tags={"client": "python", "patched": "yes"})))
    aci.container_groups.stop(resource_group, "py-direct")
    aci.container_groups.begin_start(resource_group, "py-direct", polling_interval=POLL).result()
    aci.container_groups.begin_restart(resource_group, "py-direct", polling_interval=POLL).result()
    restarted = check("directRestarted", wait_for_state(aci, resource_group, "py-direct", "Running"))
    report["direct"] = {
        "provisioningState": created.provisioning_state,
        "name": created.name,
        "state": container_view(direct_running)["state"],
        "logs": wait_for_logs(aci, resource_group, "py-direct").content,
        "tags": patched.tags,
        "restartedState": container_view(restarted)["state"],
    }
    aci.container_groups.begin_delete(resource_group, "py-direct", polling_interval=POLL).result()

    # ARM-shaped throttling: the SDK's retry policy must understand the 429 and its Retry-After
    set_faults(endpoint, ca_path, {"throttling": {"reads": {"capacity": 1, "refillPerSecond": 1}}})
    try:
        aci.container_groups.get(resource_group, "py-exit")
        started = time.time()
        throttled_then_served = aci.container_groups.get(resource_group, "py-exit")
        report["throttled"] = {"name": throttled_then_served.name, "waitedSeconds": round(time.time() - started, 2)}
    finally:
        set_faults(endpoint, ca_path, {})

    # an error response the SDK maps to its exception types
    try:
        aci.container_groups.get("no-such-resource-group", "x")
    except HttpResponseError as error:
        report["missingResourceGroup"] = {"status": error.status_code, "code": error.error.code if error.error else None, "message": error.message}

    print(json.dumps(report))


if __name__ == "__main__":
    main()
