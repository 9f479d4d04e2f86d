"""The recipes for serving a class from several servers (``deploy/``): the image holds every file the pages read,
and the compose file, the Kubernetes manifest and ``scripts/serve-class.sh`` agree with each other and with the
one nginx configuration they share. (No Docker daemon or cluster runs in the tests: ``tests/browser/test_replicas``
serves a class through the same nginx configuration on one machine.)"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
import yaml

from tests import ROOT

DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "nginx-playground.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def template_variables() -> set[str]:
    return set(re.findall(r"\$\{(\w+)\}", TEMPLATE.read_text()))


def fill(template: str, values: dict[str, str]) -> str:
    """What the nginx image does when it starts: every ``${NAME}`` its environment defines is replaced."""
    return re.sub(r"\$\{(\w+)\}", lambda match: values.get(match.group(1), match.group(0)), template)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(instruction, arguments) of each line of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            found.append((instruction.upper(), arguments.strip()))
    return found


def image_command() -> list[str]:
    (command,) = [arguments for instruction, arguments in dockerfile_instructions() if instruction == "CMD"]
    return yaml.safe_load(command)  # the exec form: a JSON list


def image_port() -> int:
    command = image_command()
    return int(command[command.index("--server.port") + 1])


def image_uploads() -> str:
    (env,) = [arguments for instruction, arguments in dockerfile_instructions() if instruction == "ENV"]
    name, _, value = env.partition("=")
    assert name == "NN_PLAYGROUND_CACHE"
    return value


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def manifests() -> dict[tuple[str, str], dict]:
    documents = yaml.safe_load_all((DEPLOY / "kubernetes.yaml").read_text())
    return {(document["kind"], document["metadata"]["name"]): document for document in documents}


def container_env(container: dict) -> dict[str, str]:
    return {item["name"]: item["value"] for item in container.get("env", [])}


def upstream_host(upstreams: str) -> tuple[str, int]:
    """The one ``server host:port resolve;`` of a recipe whose replicas are found by a DNS lookup."""
    match = re.fullmatch(r"server ([\w.-]+):(\d+) resolve;", upstreams)
    assert match, upstreams
    return match.group(1), int(match.group(2))


def test_the_image_holds_every_file_the_pages_read(tmp_path: Path) -> None:
    """Every page renders from a folder holding only what the Dockerfile copies (its own environment aside)."""
    copied = tmp_path / "app"
    copied.mkdir()
    for instruction, arguments in dockerfile_instructions():
        if instruction == "COPY":
            *sources, target = shlex.split(arguments)
            for source in sources:  # each to its place in the repository: the pages find their files as here
                assert target in ("./", f"./{source}"), f"COPY {arguments}: not to the same place in the image"
                path = ROOT / source
                assert path.exists(), f"the Dockerfile copies {source}, which is not in the repository"
                if path.is_dir():
                    shutil.copytree(path, copied / source, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy(path, copied / source)
    pages = sorted(path.name for path in (ROOT / "pages").glob("*.py"))
    script = (
        "import sys, psutil\nfrom streamlit.testing.v1 import AppTest\nimport playground\n"
        "from playground.train import worker\n"
        "assert playground.__file__.startswith(sys.argv[1]), playground.__file__\n"
        "app = AppTest.from_file('app.py', default_timeout=120).run()\n"
        "for page in sys.argv[2:]:\n"
        "    app.switch_page(f'pages/{page}').run()\n"
        "    assert not app.exception, (page, app.exception)\n"
        "    assert app.get('title') or app.get('markdown'), page\n"
        "for handle in list(worker._LIVE_HANDLES):\n"
        "    handle.stop()\n"
        "print(*[child.pid for child in psutil.Process().children(recursive=True)])\n"
    )
    environment = {**os.environ, "PYTHONPATH": str(copied), "NN_PLAYGROUND_CACHE": str(tmp_path / "uploads")}
    finished = subprocess.run(
        [sys.executable, "-c", script, str(copied), *pages],
        cwd=copied,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )
    left = []
    for pid in finished.stdout.split():
        with contextlib.suppress(psutil.NoSuchProcess):
            left.append(psutil.Process(int(pid)))
    _, alive = psutil.wait_procs(left, timeout=30)  # the worker template ends with its server
    assert not alive, f"left running: {alive}"
    assert finished.returncode == 0, finished.stderr[-3000:]


def test_the_compose_proxy_fills_the_template_and_reaches_the_servers_with_their_uploads() -> None:
    services = compose()["services"]
    proxy, server = services["proxy"], services["playground"]
    assert set(proxy["environment"]) == template_variables()
    mounted = {volume.split(":")[1]: volume.split(":")[0] for volume in proxy["volumes"]}
    (target,) = [target for target in mounted if target.startswith("/etc/nginx/templates/")]
    assert target.endswith(".template") and (DEPLOY / mounted[target]).resolve() == TEMPLATE
    host, port = upstream_host(proxy["environment"]["PLAYGROUND_UPSTREAMS"])
    assert host == "playground" and port == image_port()
    assert proxy["ports"] == [f"{proxy['environment']['PLAYGROUND_PORT']}:{proxy['environment']['PLAYGROUND_PORT']}"]
    assert proxy["depends_on"]["playground"]["condition"] == "service_healthy"  # the image has a health check
    assert any(instruction == "HEALTHCHECK" for instruction, _ in dockerfile_instructions())
    # every replica stores uploads on one shared volume, where the image looks for them
    uploads = server["environment"]["NN_PLAYGROUND_CACHE"]
    assert uploads == image_uploads()
    (volume,) = [volume.split(":")[0] for volume in server["volumes"] if volume.split(":")[1] == uploads]
    assert volume in compose()["volumes"]
    assert (ROOT / server["build"]["context"].replace("..", ".")).resolve() == ROOT
    assert (ROOT / server["build"]["dockerfile"]).exists()


def test_nginx_accepts_the_compose_proxy_configuration(tmp_path: Path) -> None:
    """Debian's nginx 1.22 lacks ``resolve`` (1.27.3 has it; the recipes use nginx 1.28) and cannot look up the
    compose service's name here: with those two replaced, nginx accepts the configuration as the image fills it."""
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: scripts/test.sh installs it (Debian's package)")
    values = dict(compose()["services"]["proxy"]["environment"])
    values["PLAYGROUND_UPSTREAMS"] = values["PLAYGROUND_UPSTREAMS"].replace("playground:", "127.0.0.1:")
    values["PLAYGROUND_UPSTREAMS"] = values["PLAYGROUND_UPSTREAMS"].replace(" resolve;", ";")
    filled = fill(TEMPLATE.read_text(), values)
    assert "${" not in filled
    (tmp_path / "temp").mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n"
        f"client_body_temp_path {tmp_path}/temp/body;\nproxy_temp_path {tmp_path}/temp/proxy;\n"
        f"fastcgi_temp_path {tmp_path}/temp/f;\nuwsgi_temp_path {tmp_path}/temp/u;\nscgi_temp_path {tmp_path}/temp/s;\n"
        f"{filled}\n}}\n"
    )
    checked = subprocess.run(
        [NGINX, "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_kubernetes_proxy_finds_every_server_and_the_servers_share_their_uploads() -> None:
    found = manifests()
    servers = found[("Deployment", "playground")]["spec"]
    proxy = found[("Deployment", "playground-proxy")]["spec"]
    for pods in (servers, proxy):  # Kubernetes would set PLAYGROUND_PORT=tcp://... for the service "playground"
        assert pods["template"]["spec"]["enableServiceLinks"] is False
    (server,) = servers["template"]["spec"]["containers"]
    assert [port["containerPort"] for port in server["ports"]] == [image_port()]
    assert container_env(server)["NN_PLAYGROUND_CACHE"] == image_uploads()
    assert server["readinessProbe"]["httpGet"] == {"path": "/_stcore/health", "port": image_port()}
    (mount,) = [mount for mount in server["volumeMounts"] if mount["mountPath"] == image_uploads()]
    (volume,) = [volume for volume in servers["template"]["spec"]["volumes"] if volume["name"] == mount["name"]]
    claim = found[("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]  # every server on every node mounts it
    assert servers["selector"]["matchLabels"].items() <= servers["template"]["metadata"]["labels"].items()

    (nginx,) = proxy["template"]["spec"]["containers"]
    values = container_env(nginx)
    assert set(values) == template_variables()
    host, port = upstream_host(values["PLAYGROUND_UPSTREAMS"])
    name, namespace = host.split(".")[:2]
    headless = found[("Service", name)]["spec"]
    assert host == f"{name}.{namespace}.svc.cluster.local"  # nginx's resolver does not use search domains
    assert headless["clusterIP"] == "None"  # a lookup gives every ready server, not one virtual address
    assert headless["selector"].items() <= servers["template"]["metadata"]["labels"].items()
    assert [entry["targetPort"] for entry in headless["ports"]] == [port] == [image_port()]
    assert values["PLAYGROUND_RESOLVER"].startswith("resolver ")

    (mount,) = nginx["volumeMounts"]
    assert mount["mountPath"] == "/etc/nginx/templates"
    (volume,) = [volume for volume in proxy["template"]["spec"]["volumes"] if volume["name"] == mount["name"]]
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    assert kustomization["resources"] == ["kubernetes.yaml"]
    (generator,) = kustomization["configMapGenerator"]
    assert generator["name"] == volume["configMap"]["name"]
    (entry,) = generator["files"]
    key, _, source = entry.partition("=")
    assert key.endswith(".template") and (DEPLOY / source).resolve() == TEMPLATE

    entrance = found[("Service", "playground")]["spec"]
    assert entrance["selector"].items() <= proxy["template"]["metadata"]["labels"].items()
    assert [entry["targetPort"] for entry in entrance["ports"]] == [int(values["PLAYGROUND_PORT"])]
    assert [port["containerPort"] for port in nginx["ports"]] == [int(values["PLAYGROUND_PORT"])]


def test_the_proxy_tells_apart_the_replicas_one_name_stands_for() -> None:
    """nginx places a server on a consistent-hash ring by its name: the replicas that one ``resolve`` name (the
    compose service, the headless service) stands for would share their places, and one browser's requests would be
    spread among them. A plain hash picks among the resolved addresses."""
    (method,) = re.findall(r"^\s*hash\s+([^;]+);", TEMPLATE.read_text(), re.MULTILINE)
    assert method.split() == ["$replica_key"]


def test_serve_class_fills_the_same_template() -> None:
    """scripts/serve-class.sh fills every variable of the shared template (its proxy is tested in the browser)."""
    script = (ROOT / "scripts" / "serve-class.sh").read_text()
    assert "deploy/nginx-playground.conf.template" in script
    filled = set(re.findall(r"""template="\$\{template//'\$\{(\w+)\}'/""", script))
    assert filled == template_variables()
