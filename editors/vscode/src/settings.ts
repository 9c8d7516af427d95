// How to start the language server, read from the `faramesh.server.*` settings.
import * as vscode from "vscode";
import type { Executable } from "vscode-languageclient/node";

/** The settings section of this extension. */
export const SECTION = "faramesh";

/** The `faramesh lsp` command line that the settings describe. */
export function serverExecutable(): Executable {
  const config = vscode.workspace.getConfiguration(SECTION);
  const path = config.get<string>("server.path", "faramesh").trim();
  const extraArgs = config.get<string[]>("server.extraArgs", []);
  return {
    command: path === "" ? "faramesh" : path,
    args: ["lsp", ...extraArgs],
  };
}

/** Whether a configuration change needs the server to be started again. */
export function affectsServer(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(`${SECTION}.server`);
}
