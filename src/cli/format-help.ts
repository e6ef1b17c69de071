// cli: the usage texts of docker's --format flags (docker/cli
// cli/command/formatter's FormatHelp and InspectFormatHelp), shared by every
// command that has one so that their help reads as docker's.

/** `--format` of a list command (ps, images, volume ls, …). */
export const formatHelp = `Format output using a custom template:
'table':            Print output in table format with column headers (default)
'table TEMPLATE':   Print output in table format using the given Go template
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates`;

/** `--format` of an inspect command (and version, info). */
export const inspectFormatHelp = `Format output using a custom template:
'json':             Print in JSON format
'TEMPLATE':         Print output using the given Go template.
Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates`;
