// The extension's entry point: starts `faramesh lsp` for FPL documents and keeps it running.
//
// Everything the server offers (diagnostics, hover, completion, navigation, rename, semantic
// tokens, code actions, document and range formatting) is registered by vscode-languageclient
// from the server's capabilities; `configurationDefaults` in package.json makes the server the
// default formatter for FPL.
import * as vscode from "vscode";
import {
  LanguageClient,
  RevealOutputChannelOn,
  type LanguageClientOptions,
} from "vscode-languageclient/node";

import { affectsServer, SECTION, serverExecutable } from "./settings";
import { StatusItem, statusOf } from "./status";

const LANGUAGE_ID = "fpl";
const CLIENT_NAME = "FPL Language Server";

/** Owns the language client: starts, restarts and stops it, and reports its state. */
class Server implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly output = vscode.window.createOutputChannel(CLIENT_NAME);
  private readonly status = new StatusItem(LANGUAGE_ID);

  async start(): Promise<void> {
    const executable = serverExecutable();
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: "file", language: LANGUAGE_ID },
        { scheme: "untitled", language: LANGUAGE_ID },
      ],
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
    };
    // The client id is the settings section, so `faramesh.trace.server` sets the trace level.
    const client = new LanguageClient(SECTION, CLIENT_NAME, executable, clientOptions);
    this.client = client;
    client.onDidChangeState((event) => {
      const version = client.initializeResult?.serverInfo?.version;
      this.status.show(statusOf(event.newState, version), executable.command);
    });
    this.status.show({ kind: "starting" }, executable.command);
    try {
      await client.start();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.status.show({ kind: "failed", reason }, executable.command);
      const choice = await vscode.window.showErrorMessage(
        `Could not start \`${executable.command} lsp\`: ${reason}`,
        "Open Settings",
      );
      if (choice === "Open Settings") {
        await vscode.commands.executeCommand("workbench.action.openSettings", `${SECTION}.server`);
      }
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    // Stops a client that is running or still starting (a restart never leaves two servers)
    // and releases it; a client that never started just goes.
    await client?.dispose();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  showOutput(): void {
    this.output.show(true);
  }

  dispose(): void {
    this.status.dispose();
    this.output.dispose();
  }
}

let server: Server | undefined;

/** Called by VS Code when an FPL document or workspace opens. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const current = new Server();
  server = current;
  context.subscriptions.push(
    current,
    vscode.commands.registerCommand("faramesh.restartServer", () => current.restart()),
    vscode.commands.registerCommand("faramesh.showOutput", () => {
      current.showOutput();
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (affectsServer(event)) {
        await current.restart();
      }
    }),
  );
  await current.start();
}

/** Called by VS Code on shutdown: stops the server cleanly (`shutdown`, then `exit`). */
export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
