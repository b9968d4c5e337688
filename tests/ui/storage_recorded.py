"""Storage answers for the storage screen's snapshots, on top of the recorded cluster
(tests/ui/recorded_cluster.py), served through httpx.MockTransport.

MockTransport: a snapshot must be byte-identical from run to run, and a real cluster's disk
numbers change every second; and a local cluster has one filesystem under every mountpath, so it
cannot show filesystems filling differently, a mountpath waiting for its resilver or a disk alert.
The answers keep the exact shapes a v1.5.0 target sends for ``what=disk`` (``fs.TcdfExt`` as
JSON: ``AllDiskStats``, ``mountpaths`` with sizes as strings, the target totals left 0) and
``what=mountpaths`` (``apc.MountpathList``), captured from the dedicated test cluster; the values
are set to show every state: t1target has a mountpath over the high watermark, t2target one
disabled and one being disabled (waiting for its resilver).
"""

from __future__ import annotations

import httpx

from aistui.core import AISClient, ConnectionSettings
from tests.ui.recorded_cluster import ENDPOINT
from tests.ui.recorded_cluster import handler as cluster_handler

GiB = 1 << 30


def _cdf(fs: str, fstype: str, fsid: str, disks: list[str], used: int, avail: int, label: str = "") -> dict:
    return {"mountpath_label": label, "fs": {"Fs": fs, "FsType": fstype, "FsID": fsid}, "disks": disks,
            "used": str(used), "avail": str(avail), "pct_used": used * 100 // (used + avail)}


def _stats(rbps: int, wbps: int, util: int) -> dict:
    return {"RBps": rbps, "Ravg": 8192 if rbps else 0, "WBps": wbps, "Wavg": 5581 if wbps else 0, "Util": util}


DISK = {
    "t1target": {
        "AllDiskStats": {"sda": _stats(12 << 20, 3 << 20, 34), "sdb": _stats(1 << 20, 40 << 20, 86)},
        "mountpaths": {
            "/ais/mp1": _cdf("/dev/sda1", "ext4", "-9348,-2175", ["sda"], 620 * GiB, 380 * GiB),
            "/ais/mp2": _cdf("/dev/sdb1", "xfs", "-9348,-2176", ["sdb(low-free-space)"], 910 * GiB, 90 * GiB, "ssd"),
        },
        "cs_err": "", "total_used": "0", "total_avail": "0", "pct_max": 0, "pct_avg": 0, "pct_min": 0,
    },
    "t2target": {
        "AllDiskStats": {"sdc": _stats(5 << 20, 2 << 20, 12), "sdd": _stats(30 << 20, 0, 55)},
        "mountpaths": {
            "/ais/mp1": _cdf("/dev/sdc1", "ext4", "-9350,-2177", ["sdc"], 480 * GiB, 520 * GiB),
            "/ais/mp3": _cdf("/dev/sdd1", "ext4", "-9350,-2178", ["sdd(->disabled)"], 700 * GiB, 300 * GiB),
        },
        "cs_err": "", "total_used": "0", "total_avail": "0", "pct_max": 0, "pct_avg": 0, "pct_min": 0,
    },
}
MOUNTPATHS = {
    "t1target": {"available": ["/ais/mp1", "/ais/mp2"], "waiting_dd": [], "disabled": []},
    "t2target": {"available": ["/ais/mp1"], "waiting_dd": ["/ais/mp3"], "disabled": ["/ais/mp2"]},
}
CONFIG = {"space": {"cleanupwm": 65, "lowwm": 75, "highwm": 90, "out_of_space": 95, "batch_size": 32768,
                    "dont_cleanup_time": "2h0m"},
          "disk": {"disk_util_low_wm": 20, "disk_util_high_wm": 80, "disk_util_max_wm": 95},
          "resilver": {"enabled": True}}


def handler(request: httpx.Request) -> httpx.Response:
    path, q = request.url.path, request.url.params
    if path == "/v1/reverse/daemon" and q.get("what") in ("disk", "mountpaths"):
        node = request.headers.get("Ais-Node-Id", "")
        table = DISK if q["what"] == "disk" else MOUNTPATHS
        if node in table:
            return httpx.Response(200, json=table[node])
    if path == "/v1/cluster" and q.get("what") == "cluster_config":
        return httpx.Response(200, json=CONFIG)
    return cluster_handler(request)


def storage_client() -> AISClient:
    return AISClient(ConnectionSettings(endpoint=ENDPOINT), transport=httpx.MockTransport(handler), retries=0)
