// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
//
// deploy/ offline, against the Kubernetes API's own schemas (the npm package
// kubernetes-models, generated from Kubernetes' OpenAPI definitions), then
// against what the node agent needs from its DaemonSet (issue 15):
//
//   node selftests/deploy/validate.mjs DEPLOY_DIR
//
// 1. Every object in daemonset.yaml and configmap.yaml, and the ConfigMap the
//    kustomization generates, passes the schema's validation (types, enums,
//    required fields), and has no field the schema does not know: the
//    generated validators let unknown fields through, and a misspelt
//    `mountPropogation` would be dropped by the API server without a word,
//    so the field names are checked against the models' type declarations.
// 2. kustomization.yaml: known keys only, its resources and generator files
//    exist, the ConfigMap it makes is the one deploy/configmap.yaml holds and
//    the one the DaemonSet mounts, its image is the DaemonSet's.
// 3. The DaemonSet gives the agent what docs/daemon.md says it needs.
//
// Prints `ok NAME` or the reasons and `FAIL NAME` per check, then
// `N passed, N failed`; exits 1 when something failed.
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseAllDocuments } from "yaml";

const require = createRequire(import.meta.url);
const dir = process.argv[2];
if (!dir) {
	console.error("usage: node validate.mjs DEPLOY_DIR");
	process.exit(2);
}

let passed = 0, failed = 0;
function check(name, fn) {
	let why = [];
	try {
		fn((msg) => why.push(msg));
	} catch (e) {
		why.push(`exception: ${e.message}`);
	}
	if (why.length) {
		for (const w of why) console.log(`    ${w}`);
		console.log(`FAIL ${name}`);
		failed++;
	} else {
		console.log(`ok   ${name}`);
		passed++;
	}
}

// A file's YAML documents; a syntax error is thrown with its position.
function load(file) {
	const docs = parseAllDocuments(readFileSync(path.join(dir, file), "utf8"));
	for (const d of docs)
		if (d.errors.length)
			throw new Error(`${file}: ${d.errors[0].message}`);
	return docs.map((d) => d.toJS()).filter((o) => o !== null);
}

// ---- the schemas -------------------------------------------------------

// apiVersion/kind -> the model's module (kubernetes-models/<group>/<version>/<Kind>)
function modelPath(o) {
	const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : [null, o.apiVersion];
	return `kubernetes-models/${group ? group + "/" : ""}${version}/${o.kind}`;
}

// A module's type declarations: beside its CommonJS file.
function typesOf(spec, from) {
	return require.resolve(spec, from ? { paths: [from] } : undefined).replace(/\.js$/, ".d.ts");
}

// The interface declared in a model's .d.ts: property -> type text, and the
// files its imported types come from.
const declCache = new Map();
function declaration(dts) {
	if (declCache.has(dts))
		return declCache.get(dts);
	const text = readFileSync(dts, "utf8");
	const imports = new Map();
	for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g))
		imports.set(m[1], m[2].startsWith(".") ? path.resolve(path.dirname(dts), m[2] + ".d.ts")
						   : typesOf(m[2], path.dirname(dts)));
	const body = text.match(/export interface \w+(?: extends [\w, ]+)? \{\n([\s\S]*?)\n\}/);
	const props = new Map();
	if (body) {
		// one property a line; a map's type ({ [key: string]: ... }) may
		// span lines, and is then not looked into
		for (const m of body[1].matchAll(/^ {4}"([^"]+)"\??: (.*?);?$/gm))
			props.set(m[1], m[2]);
		if (/extends TypeMeta/.test(body[0])) {
			props.set("apiVersion", "string");
			props.set("kind", "string");
		}
	}
	const d = { props, imports, open: !body };
	declCache.set(dts, d);
	return d;
}

// Every key of `obj` is a field the declaration names; recurses into fields
// whose type is another model, or a list or map of them.
function unknownFields(obj, dts, at, out) {
	const d = declaration(dts);
	if (d.open || obj === null || typeof obj !== "object")
		return;
	for (const [k, v] of Object.entries(obj)) {
		const t = d.props.get(k);
		if (t === undefined) {
			out(`${at}.${k}: no such field (${[...d.props.keys()].join(", ")})`);
			continue;
		}
		let m = t.match(/^(?:Array<)?(\w+)>?$/);
		if (m && d.imports.has(m[1])) {
			const sub = d.imports.get(m[1]);
			if (Array.isArray(v))
				v.forEach((e, i) => unknownFields(e, sub, `${at}.${k}[${i}]`, out));
			else
				unknownFields(v, sub, `${at}.${k}`, out);
			continue;
		}
		m = t.match(/^\{\s*\[key: string\]: (\w+);?\s*\}$/);
		if (m && d.imports.has(m[1]) && v && typeof v === "object")
			for (const [mk, mv] of Object.entries(v))
				unknownFields(mv, d.imports.get(m[1]), `${at}.${k}.${mk}`, out);
	}
}

function schemaValid(o, where, why) {
	if (!o || !o.apiVersion || !o.kind) {
		why(`${where}: not a Kubernetes object (no apiVersion/kind)`);
		return;
	}
	let mod;
	try {
		mod = require(modelPath(o));
	} catch {
		why(`${where}: ${o.apiVersion} ${o.kind}: not a kind the schemas know`);
		return;
	}
	const Model = mod[o.kind];
	try {
		new Model(o).validate();
	} catch (e) {
		why(`${where}: ${e.message}`);
	}
	unknownFields(o, typesOf(modelPath(o)), `${where} ${o.kind}`, why);
}

// ---- the files ---------------------------------------------------------

const objects = [];	// [file, object]
for (const f of ["daemonset.yaml", "configmap.yaml"]) {
	check(`${f.replace(".yaml", "")}_matches_the_kubernetes_schema`, (why) => {
		const docs = load(f);
		if (!docs.length)
			why(`${f}: no object`);
		docs.forEach((o, i) => {
			schemaValid(o, `${f}[${i}]`, why);
			objects.push([f, o]);
		});
	});
}
const ds = objects.find(([, o]) => o.kind === "DaemonSet")?.[1];
const cm = objects.find(([, o]) => o.kind === "ConfigMap")?.[1];

let kust = null;
check("kustomization_is_complete_and_makes_the_configmap", (why) => {
	kust = load("kustomization.yaml")[0];
	const known = ["apiVersion", "kind", "namespace", "resources", "configMapGenerator",
		       "generatorOptions", "images"];
	for (const k of Object.keys(kust))
		if (!known.includes(k))
			why(`kustomization.yaml: unknown key ${k} (this check knows ${known.join(", ")})`);
	if (kust.apiVersion !== "kustomize.config.k8s.io/v1beta1" || kust.kind !== "Kustomization")
		why(`kustomization.yaml: apiVersion/kind ${kust.apiVersion}/${kust.kind}`);
	for (const r of kust.resources ?? [])
		if (!existsSync(path.join(dir, r)))
			why(`kustomization.yaml: resource ${r} does not exist`);
	if (!(kust.resources ?? []).includes("daemonset.yaml"))
		why("kustomization.yaml: does not list daemonset.yaml");
	const gens = kust.configMapGenerator ?? [];
	if (gens.length !== 1)
		why(`kustomization.yaml: ${gens.length} configMapGenerator entries, want 1`);
	for (const g of gens) {
		// the ConfigMap kustomize makes: one key per file, named after it
		const made = { apiVersion: "v1", kind: "ConfigMap",
			       metadata: { name: g.name, namespace: kust.namespace,
					   labels: kust.generatorOptions?.labels }, data: {} };
		for (const f of g.files ?? []) {
			const [key, file] = f.includes("=") ? f.split("=") : [path.basename(f), f];
			if (!existsSync(path.join(dir, file))) {
				why(`kustomization.yaml: generator file ${file} does not exist`);
				continue;
			}
			made.data[key] = readFileSync(path.join(dir, file), "utf8");
		}
		schemaValid(made, "the generated ConfigMap", why);
		if (kust.generatorOptions?.disableNameSuffixHash !== true)
			why("kustomization.yaml: a name suffix hash would roll every agent on each change " +
			    "(generatorOptions.disableNameSuffixHash: true)");
		if (!cm) {
			why("configmap.yaml: no ConfigMap");
		} else {
			if (cm.metadata.name !== made.metadata.name || cm.metadata.namespace !== made.metadata.namespace)
				why(`configmap.yaml is ${cm.metadata.namespace}/${cm.metadata.name}, the kustomization makes ` +
				    `${made.metadata.namespace}/${made.metadata.name}`);
			if (JSON.stringify(cm.data) !== JSON.stringify(made.data))
				why("configmap.yaml's data differ from the files the kustomization reads " +
				    "(make deploy/configmap.yaml)");
		}
	}
	if (ds && kust.namespace !== ds.metadata.namespace)
		why(`kustomization namespace ${kust.namespace}, DaemonSet's ${ds.metadata.namespace}`);
	const img = ds?.spec.template.spec.containers[0].image ?? "";
	for (const i of kust.images ?? [])
		if (!img.startsWith(i.name + ":"))
			why(`kustomization.yaml: image ${i.name} is not the DaemonSet's (${img})`);
});

// ---- what the agent needs ----------------------------------------------

check("daemonset_gives_the_agent_what_it_needs", (why) => {
	if (!ds) {
		why("no DaemonSet");
		return;
	}
	const pod = ds.spec.template.spec;
	const agent = pod.containers.find((c) => c.name === "enforcer");
	if (!agent) {
		why("no container named enforcer");
		return;
	}
	const cmd = agent.command ?? [];
	if (!/\/enforcer$/.test(cmd[0] ?? "") || cmd[1] !== "daemon")
		why(`the agent's command is not 'enforcer daemon': ${cmd.join(" ")}`);
	if (pod.hostNetwork !== true)
		why("hostNetwork is not true: the agent attaches to the node's own links");
	// bpffs: the host's, mounted by a privileged init container with
	// Bidirectional propagation, seen by the agent
	const bpfVol = (pod.volumes ?? []).find((v) => v.hostPath?.path === "/sys/fs/bpf");
	if (!bpfVol)
		why("no hostPath volume of /sys/fs/bpf");
	const mountOf = (c, vol) => (c.volumeMounts ?? []).find((m) => m.name === vol);
	const init = (pod.initContainers ?? []).find((c) => bpfVol && mountOf(c, bpfVol.name));
	if (!init) {
		why("no init container mounts bpffs");
	} else {
		const m = mountOf(init, bpfVol.name);
		if (m.mountPath !== "/sys/fs/bpf" || m.mountPropagation !== "Bidirectional")
			why(`init container ${init.name}: bpffs at ${m.mountPath} with ${m.mountPropagation}, want /sys/fs/bpf Bidirectional`);
		if (init.securityContext?.privileged !== true)
			why(`init container ${init.name}: Bidirectional propagation needs privileged: true`);
		if (!/mount -t bpf bpf \/sys\/fs\/bpf/.test((init.command ?? []).join(" ")))
			why(`init container ${init.name} does not mount bpffs: ${(init.command ?? []).join(" ")}`);
		if (init.image !== agent.image)
			why(`init container image ${init.image} is not the agent's ${agent.image}`);
	}
	const am = bpfVol && mountOf(agent, bpfVol.name);
	if (!am || am.mountPath !== "/sys/fs/bpf" || !["HostToContainer", "Bidirectional"].includes(am.mountPropagation))
		why("the agent does not see the host's bpffs at /sys/fs/bpf (HostToContainer)");
	// the manifest: a ConfigMap volume, mounted where -f points
	const fi = cmd.indexOf("-f");
	const mf = fi > 0 ? cmd[fi + 1] : null;
	const mfMount = (agent.volumeMounts ?? []).find((m) => mf && m.mountPath === mf);
	const mfVol = mfMount && (pod.volumes ?? []).find((v) => v.name === mfMount.name);
	const cms = mfVol ? [mfVol.configMap?.name, ...(mfVol.projected?.sources ?? []).map((s) => s.configMap?.name)]
		.filter(Boolean) : [];
	if (!cms.length)
		why(`-f ${mf}: not a ConfigMap volume's mount`);
	if (mfMount?.subPath)
		why("the manifest is mounted with subPath: such a mount never sees a ConfigMap update");
	if (cm && !cms.includes(cm.metadata.name))
		why(`the manifest volume does not name ConfigMap ${cm.metadata.name}`);
	// capabilities: privileged, or exactly the ones the agent needs
	const sc = agent.securityContext ?? {};
	const need = ["BPF", "NET_ADMIN", "SYS_ADMIN", "PERFMON"];
	const add = sc.capabilities?.add ?? [];
	if (sc.privileged !== true) {
		for (const c of need)
			if (!add.includes(c))
				why(`capability ${c} missing (not privileged)`);
		for (const c of add)
			if (!need.includes(c))
				why(`capability ${c} is more than the agent needs`);
		if (!(sc.capabilities?.drop ?? []).includes("ALL"))
			why("capabilities: not dropping ALL first");
	}
	// probes on status --check
	for (const p of ["livenessProbe", "readinessProbe"]) {
		const c = agent[p]?.exec?.command ?? [];
		if (!/\/enforcer$/.test(c[0] ?? "") || c[1] !== "status" || !c.includes("--check"))
			why(`${p}: not 'enforcer status --check': ${c.join(" ")}`);
	}
	// a node-critical agent
	if (pod.priorityClassName !== "system-node-critical")
		why(`priorityClassName ${pod.priorityClassName}, want system-node-critical`);
	if (!agent.resources?.requests?.cpu || !agent.resources?.requests?.memory || !agent.resources?.limits?.memory)
		why("resources: want cpu and memory requests and a memory limit");
	if (!(pod.tolerations ?? []).some((t) => t.operator === "Exists" && !t.key && !t.effect))
		why("tolerations: none tolerates every taint (operator: Exists, no key, no effect)");
	const us = ds.spec.updateStrategy;
	if (us?.type !== "RollingUpdate" || us.rollingUpdate?.maxUnavailable !== 1)
		why(`updateStrategy: ${JSON.stringify(us)}, want RollingUpdate with maxUnavailable 1`);
	// metrics: the port in the command is the one declared and annotated
	const mi = cmd.indexOf("--metrics");
	const mport = mi > 0 ? Number((cmd[mi + 1] ?? "").split(":").pop()) : NaN;
	const decl = (agent.ports ?? []).find((p) => p.name === "metrics");
	const ann = ds.spec.template.metadata.annotations ?? {};
	if (!decl || decl.containerPort !== mport)
		why(`--metrics port ${mport} is not the declared port 'metrics' (${decl?.containerPort})`);
	if (ann["prometheus.io/scrape"] !== "true" || Number(ann["prometheus.io/port"]) !== mport)
		why(`scrape annotations ${JSON.stringify(ann)} do not name port ${mport}`);
	if (/^0\.0\.0\.0:|^\[::\]:/.test(cmd[mi + 1] ?? ""))
		why("--metrics listens on every address, the node's public side too");
	// what the agent expands from the environment is defined
	for (const a of cmd)
		for (const m of a.matchAll(/\$\((\w+)\)/g))
			if (!(agent.env ?? []).some((e) => e.name === m[1]))
				why(`the command uses $(${m[1]}), which env does not define`);
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
