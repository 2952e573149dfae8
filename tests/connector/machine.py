"""A machine simulated by a real asyncua OPC UA server: energy counter, power, state, good and
scrap counts, order and part, and a writable feed-rate setpoint. It requires Basic256Sha256 with
signing and encryption and a user name and password, as a plant's server would."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asyncua import ua
from asyncua.crypto.cert_gen import setup_self_signed_certificate
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.server.server import Server
from asyncua.server.user_managers import UserManager
from cryptography.x509.oid import ExtendedKeyUsageOID

from .brokers import free_port

USER, PASSWORD = "keten", "s3cret-test"
CLIENT_URI = "urn:keten:connector"
NAMESPACE = "urn:keten:test-machine"


class _Users(UserManager):
    def get_user(
        self, iserver: Any, username: str | None = None, password: str | None = None, certificate: Any = None
    ) -> User | None:
        if username == USER and password == PASSWORD:
            return User(role=UserRole.User)
        return None


async def certificates(directory: Path) -> dict[str, Path]:
    """Create a server and a client key pair in ``directory``; return their paths."""
    paths = {name: directory / name for name in ("server.der", "server.pem", "client.der", "client.pem")}
    await setup_self_signed_certificate(
        paths["server.pem"],
        paths["server.der"],
        "urn:keten:test-machine-server",
        "127.0.0.1",
        [ExtendedKeyUsageOID.SERVER_AUTH],
        {"commonName": "test machine"},
    )
    await setup_self_signed_certificate(
        paths["client.pem"],
        paths["client.der"],
        CLIENT_URI,
        "127.0.0.1",
        [ExtendedKeyUsageOID.CLIENT_AUTH],
        {"commonName": "keten connector"},
    )
    return paths


@dataclass
class Machine:
    """The machine's values, kept across server restarts (the machine runs on while its server is down)."""

    directory: Path
    port: int = field(default_factory=free_port)
    values: dict[str, Any] = field(
        default_factory=lambda: {
            "Power": 0.0,
            "Energy": 100.0,
            "State": 2,
            "Good": 0,
            "Scrap": 0,
            "Order": "",
            "Part": "",
            "FeedRate": 100.0,
        }
    )
    server: Server | None = None
    nodes: dict[str, Any] = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return f"opc.tcp://127.0.0.1:{self.port}/keten-test/"

    def node_id(self, name: str) -> str:
        return f"ns=2;s=CNC01.{name}"

    async def start(self) -> None:
        paths = await certificates(self.directory)
        server = Server(user_manager=_Users())
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
        server.set_security_IDs(["Username"])
        await server.load_certificate(str(paths["server.der"]))
        await server.load_private_key(str(paths["server.pem"]))
        idx = await server.register_namespace(NAMESPACE)
        machine = await server.nodes.objects.add_object(idx, "CNC01")
        for name, value in self.values.items():
            variant = ua.VariantType.Int32 if isinstance(value, int) else None
            node = await machine.add_variable(
                ua.NodeId(f"CNC01.{name}", idx), name, value, varianttype=variant
            )
            if name == "FeedRate":
                await node.set_writable()
            self.nodes[name] = node
        await server.start()
        self.server = server

    async def stop(self) -> None:
        if self.server is not None:
            self.values["FeedRate"] = await self.nodes["FeedRate"].read_value()
            await self.server.stop()
            self.server = None

    async def set(self, **values: Any) -> None:
        """Change values; while the server is down the machine keeps them for when it is back."""
        self.values.update(values)
        if self.server is not None:
            for name, value in values.items():
                variant = ua.VariantType.Int32 if isinstance(value, int) else None
                await self.nodes[name].write_value(ua.Variant(value, variant) if variant else value)

    def config_text(self, site: str = "FAB-1", password_env: str = "KETEN_TEST_OPCUA_PASSWORD") -> str:
        """Return a connector file for this machine."""
        d = self.directory
        signals = "\n".join(
            f'      {key}: {{node: "{self.node_id(name)}"}}'
            for key, name in (
                ("power_kw", "Power"),
                ("energy_kwh", "Energy"),
                ("good_count", "Good"),
                ("scrap_count", "Scrap"),
                ("order_id", "Order"),
                ("part_number", "Part"),
            )
        )
        return f"""
site: {site}
flush_s: 0.1
sources:
  - name: cnc
    kind: opcua
    endpoint: {self.endpoint}
    security_policy: Basic256Sha256
    security_mode: SignAndEncrypt
    certificate: {d / "client.der"}
    private_key: {d / "client.pem"}
    username: {USER}
    password_env: {password_env}
    publishing_interval_ms: 50
    reconnect_s: 0.3
equipment:
  - id: CNC-01
    source: cnc
    ideal_cycle_s: 60
    signals:
{signals}
      state: {{node: "{self.node_id("State")}", map: {{1: running, 2: idle, 3: down, 4: setup}}}}
"""
