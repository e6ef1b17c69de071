// The metric descriptors berth's ListMetricDescriptors answers: cAdvisor's
// names, help texts and label keys as containerd 2.x lists them, plus the
// ones cri-tools expects that containerd does not have yet (hugetlb, PSI,
// spec cpu quota and memory reservation), named and labelled as cAdvisor does.
// Every metric berth sends names one of these and carries one value per key.

export type MetricType = 'COUNTER' | 'GAUGE';

export interface Descriptor {
  readonly name: string;
  readonly help: string;
  readonly labelKeys: readonly string[];
  readonly type: MetricType;
}

/** pod name, pod namespace, container name ('' for pod-level metrics), id, image (as the CreateContainer request named it). */
export const baseLabelKeys = ['pod', 'namespace', 'container', 'id', 'image'] as const;

type Row = readonly [name: string, type: MetricType, extraKeys: readonly string[], help: string];

const C: MetricType = 'COUNTER';
const G: MetricType = 'GAUGE';
const dev = ['device'];
const iface = ['interface'];

const rows: readonly Row[] = [
  // CPU
  ['container_cpu_user_seconds_total', C, [], 'Cumulative user CPU time consumed in seconds.'],
  ['container_cpu_system_seconds_total', C, [], 'Cumulative system CPU time consumed in seconds.'],
  ['container_cpu_usage_seconds_total', C, [], 'Cumulative CPU time consumed in seconds.'],
  ['container_cpu_cfs_periods_total', C, [], 'Number of elapsed enforcement period intervals.'],
  ['container_cpu_cfs_throttled_periods_total', C, [], 'Number of CPU throttled period intervals.'],
  ['container_cpu_cfs_throttled_seconds_total', C, [], 'Total time duration the container has been throttled.'],
  // Memory
  ['container_memory_cache', G, [], 'Number of bytes of memory used by the container for caching purposes.'],
  ['container_memory_rss', G, [], 'Size of RSS in bytes, total anonymous memory and swap cache memory used by the container.'],
  ['container_memory_kernel_usage', G, [], 'Size of kernel memory allocated to the container in bytes, includes page tables, socket buffers...'],
  ['container_memory_mapped_file', G, [], "Size of container's memory mapped files in bytes."],
  ['container_memory_swap', G, [], 'Container swap usage in bytes.'],
  ['container_memory_failcnt', C, [], 'Number of times container memory usage has hit its cgroup v1 upper memory limit, for cg2 this value is not currently supported'],
  ['container_memory_usage_bytes', G, [], 'Current memory usage in bytes, including all memory regardless of when it was accessed'],
  ['container_memory_max_usage_bytes', G, [], 'Maximum container memory usage recorded in bytes'],
  ['container_memory_working_set_bytes', G, [], 'Amount of memory that is actively used by the container, excluding cached memory.'],
  ['container_memory_total_active_file_bytes', G, [], 'Amount of cache memory bytes, in use by the container, in file on disk.'],
  ['container_memory_total_inactive_file_bytes', G, [], 'Amount of inactive cache memory bytes, for the container, in file on disk.'],
  ['container_memory_failures_total', C, ['failure_type', 'scope'], 'Cumulative count of container memory allocation failures.'],
  ['container_oom_events_total', C, [], 'Count of out of memory events observed for the container'],
  ['container_hugetlb_usage_bytes', G, ['pagesize'], 'Current hugepage usage in bytes'],
  ['container_hugetlb_max_usage_bytes', G, ['pagesize'], 'Maximum hugepage usages recorded in bytes'],
  // Network (pod level: the pod's network namespace)
  ['container_network_receive_bytes_total', C, iface, 'Cumulative count of bytes received'],
  ['container_network_receive_packets_total', C, iface, 'Cumulative count of packets received'],
  ['container_network_receive_packets_dropped_total', C, iface, 'Cumulative count of packets dropped while receiving'],
  ['container_network_receive_errors_total', C, iface, 'Cumulative count of errors encountered while receiving'],
  ['container_network_transmit_bytes_total', C, iface, 'Cumulative count of bytes transmitted'],
  ['container_network_transmit_packets_total', C, iface, 'Cumulative count of packets transmitted'],
  ['container_network_transmit_packets_dropped_total', C, iface, 'Cumulative count of packets dropped while transmitting'],
  ['container_network_transmit_errors_total', C, iface, 'Cumulative count of errors encountered while transmitting'],
  // Filesystem (the container's writable layer and the filesystem it is on)
  ['container_fs_inodes_free', G, dev, 'Number of available Inodes'],
  ['container_fs_inodes_total', G, dev, 'Number of Inodes'],
  ['container_fs_limit_bytes', G, dev, 'Number of bytes that can be consumed by the container on this filesystem.'],
  ['container_fs_usage_bytes', G, dev, 'Number of bytes that are consumed by the container on this filesystem.'],
  // Disk I/O (blkio / io cgroup)
  ['container_fs_reads_bytes_total', C, dev, 'Cumulative count of bytes read'],
  ['container_fs_reads_total', C, dev, 'Cumulative count of reads completed'],
  ['container_fs_writes_bytes_total', C, dev, 'Cumulative count of bytes written'],
  ['container_fs_writes_total', C, dev, 'Cumulative count of writes completed'],
  ['container_blkio_device_usage_total', C, ['device', 'major', 'minor', 'operation'], 'Blkio device bytes usage'],
  // Pressure stall information (cgroup2's *.pressure files)
  ['container_pressure_cpu_stalled_seconds_total', C, [], 'Total time duration no tasks in the container could make progress due to CPU congestion.'],
  ['container_pressure_cpu_waiting_seconds_total', C, [], 'Total time duration tasks in the container have waited due to CPU congestion.'],
  ['container_pressure_memory_stalled_seconds_total', C, [], 'Total time duration no tasks in the container could make progress due to memory congestion.'],
  ['container_pressure_memory_waiting_seconds_total', C, [], 'Total time duration tasks in the container have waited due to memory congestion.'],
  ['container_pressure_io_stalled_seconds_total', C, [], 'Total time duration no tasks in the container could make progress due to IO congestion.'],
  ['container_pressure_io_waiting_seconds_total', C, [], 'Total time duration tasks in the container have waited due to IO congestion.'],
  // Processes
  ['container_processes', G, [], 'Number of processes running inside the container.'],
  ['container_file_descriptors', G, [], 'Number of open file descriptors for the container.'],
  ['container_sockets', G, [], 'Number of open sockets for the container.'],
  ['container_threads_max', G, [], 'Maximum number of threads allowed inside the container, infinity if value is zero'],
  ['container_threads', G, [], 'Number of threads running inside the container'],
  ['container_ulimits_soft', G, ['ulimit'], 'Soft ulimit values for the container root process. Unlimited if -1, except priority and nice'],
  // Miscellaneous
  ['container_last_seen', G, [], 'Last time a container was seen by the exporter'],
  ['container_start_time_seconds', G, [], 'Start time of the container since unix epoch in seconds'],
  // Container spec (the limits in force: read back from the cgroup)
  ['container_spec_cpu_period', G, [], 'CPU period of the container'],
  ['container_spec_cpu_quota', G, [], 'CPU quota of the container'],
  ['container_spec_cpu_shares', G, [], 'CPU share of the container'],
  ['container_spec_memory_limit_bytes', G, [], 'Memory limit for the container'],
  ['container_spec_memory_reservation_limit_bytes', G, [], 'Memory reservation limit for the container'],
  ['container_spec_memory_swap_limit_bytes', G, [], 'Memory swap limit for the container'],
];

export const descriptors: readonly Descriptor[] = rows.map(([name, type, extra, help]) => ({ name, help, type, labelKeys: [...baseLabelKeys, ...extra] }));

const byName = new Map(descriptors.map((d) => [d.name, d]));

/** The descriptor of a metric name; throws on a name berth does not describe (a programming error). */
export function descriptorOf(name: string): Descriptor {
  const d = byName.get(name);
  if (d === undefined) throw new Error(`no metric descriptor named ${name}`);
  return d;
}

/** ListMetricDescriptors' answer. */
export function descriptorMessages(): { name: string; help: string; label_keys: string[] }[] {
  return descriptors.map((d) => ({ name: d.name, help: d.help, label_keys: [...d.labelKeys] }));
}
