#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""A DaemonSet's container, as a shell script that runs it from an image's
root filesystem without a container engine (none runs on these machines).

    podspec.py DAEMONSET_YAML CONTAINER ROOTFS NODE_DIR [NAME=VALUE...]

CONTAINER is a container's name, or `init:NAME` for an init container, or
`probe:NAME:liveness|readiness|startup` for a container's exec probe. The
script it prints does, in a mount namespace of its own (run it in the
node's network namespace with `nsenter --net=... unshare --mount
--propagation unchanged bash SCRIPT`; not `ip netns exec`, which makes
every mount a slave and so would cut Bidirectional propagation), what a
kubelet and a container runtime do for that container, read from the
DaemonSet, not copied:

  - the root filesystem, read-only when readOnlyRootFilesystem says so;
    /proc, /sys (the network namespace's) and /dev in it;
  - every volumeMount: a hostPath volume is NODE_DIR/host/<path>, a
    configMap or projected volume is NODE_DIR/volumes/<volume name> (the
    directory the caller publishes ConfigMap versions into, as kubelet's
    atomic writer does); readOnly, and mountPropagation: Bidirectional keeps
    the host directory's peer group (a mount made inside reaches the host
    directory, as it does on a node), HostToContainer makes it a slave,
    None private;
  - env: value, or fieldRef status.hostIP / spec.nodeName from the
    NAME=VALUE arguments (HOST_IP=..., NODE_NAME=...), and $(VAR) in the
    command expanded from it as Kubernetes does ($$ is a literal $);
  - the capabilities: privileged keeps all; otherwise the bounding set is
    exactly capabilities.add after drop: [ALL] (setpriv from the image),
    no inheritable or ambient ones, and no_new_privs when
    allowPrivilegeEscalation is false;
  - then the command (command + args), exec'd in the chroot as the user the
    securityContext names.
"""
import re
import shlex
import sys

import yaml


def die(msg):
    sys.stderr.write("podspec: %s\n" % msg)
    sys.exit(2)


def expand(text, env):
    """Kubernetes' $(VAR) expansion: defined names only, $$ escapes."""
    def sub(m):
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)", sub, text)


def main():
    if len(sys.argv) < 5:
        die("usage: podspec.py DAEMONSET_YAML CONTAINER ROOTFS NODE_DIR [NAME=VALUE...]")
    path, which, rootfs, node_dir = sys.argv[1:5]
    given = dict(a.split("=", 1) for a in sys.argv[5:])
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    ds = next((d for d in docs if d.get("kind") == "DaemonSet"), None)
    if not ds:
        die("%s: no DaemonSet" % path)
    pod = ds["spec"]["template"]["spec"]
    probe = None
    if which.startswith("init:"):
        pool, name = pod.get("initContainers", []), which[5:]
    elif which.startswith("probe:"):
        _, name, probe = which.split(":")
        pool = pod["containers"]
    else:
        pool, name = pod["containers"], which
    c = next((x for x in pool if x["name"] == name), None)
    if not c:
        die("%s: no container %s" % (path, which))

    env = {}
    for e in c.get("env", []):
        if "value" in e:
            env[e["name"]] = expand(str(e["value"]), env)
            continue
        ref = e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
        key = {"status.hostIP": "HOST_IP", "spec.nodeName": "NODE_NAME",
               "status.podIP": "HOST_IP"}.get(ref)  # hostNetwork: pod IP is the host's
        if not key or key not in given:
            die("env %s: %s is not given (pass %s=...)" % (e["name"], ref, key))
        env[e["name"]] = given[key]
    if probe:
        p = c.get(probe + "Probe")
        if not p or "exec" not in p:
            die("container %s has no exec %sProbe" % (name, probe))
        argv = p["exec"]["command"]
    else:
        argv = c.get("command", []) + c.get("args", [])
    argv = [expand(str(a), env) for a in argv]
    if not argv:
        die("container %s has no command" % name)

    sc = c.get("securityContext", {})
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    q = shlex.quote
    out = ["set -e", "R=%s" % q(rootfs)]
    if sc.get("readOnlyRootFilesystem"):
        out += ['mount --bind "$R" "$R"', 'mount -o remount,bind,ro "$R"']
    # sysfs mounted afresh: it shows the devices of the network namespace
    # the script runs in (the node's), as a hostNetwork pod's does
    out += ['mount -t proc proc "$R/proc"',
            'mount -t sysfs sysfs "$R/sys"',
            'mount --rbind /dev "$R/dev"']
    for m in c.get("volumeMounts", []):
        v = vols.get(m["name"])
        if not v:
            die("volumeMount %s: no such volume" % m["name"])
        if "hostPath" in v:
            src = "%s/host%s" % (node_dir, v["hostPath"]["path"])
        elif "configMap" in v or "projected" in v:
            src = "%s/volumes/%s" % (node_dir, m["name"])
        else:
            die("volume %s: a kind this runner does not make" % m["name"])
        if m.get("subPath"):
            die("volumeMount %s: subPath is not supported here" % m["name"])
        dst = '"$R"%s' % q(m["mountPath"])
        out.append("mount --bind %s %s" % (q(src), dst))
        prop = m.get("mountPropagation", "None")
        if prop == "HostToContainer":
            out.append("mount --make-rslave %s" % dst)
        elif prop == "None":
            out.append("mount --make-rprivate %s" % dst)
        elif prop != "Bidirectional":
            die("volumeMount %s: mountPropagation %s" % (m["name"], prop))
        if m.get("readOnly"):
            out.append("mount -o remount,bind,ro %s" % dst)
    run = ["chroot", '"$R"']
    if not sc.get("privileged"):
        caps = sc.get("capabilities", {})
        if "ALL" not in caps.get("drop", []):
            die("container %s: capabilities do not drop ALL; this runner only keeps what "
                "add names" % name)
        bound = ",".join(["-all"] + ["+" + x.lower() for x in caps.get("add", [])])
        run += ["/usr/bin/setpriv", "--bounding-set", bound, "--inh-caps", "-all",
                "--ambient-caps", "-all"]
        if sc.get("allowPrivilegeEscalation") is False:
            run.append("--no-new-privs")
        uid = sc.get("runAsUser", 0)
        run += ["--reuid", str(uid), "--regid", str(sc.get("runAsGroup", uid)),
                "--clear-groups", "--"]
    run += ["/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
    run += ["%s=%s" % kv for kv in env.items()]
    out.append("exec chroot \"$R\" " + " ".join(q(a) for a in run[2:] + argv))
    print("\n".join(out))


main()
