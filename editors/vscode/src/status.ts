// The status bar item that shows the language server's state while an FPL file is open.
import * as vscode from "vscode";
import { State } from "vscode-languageclient/node";

/** What the status bar says about the server. */
export type ServerStatus =
  | { kind: "starting" }
  | { kind: "running"; version: string | undefined }
  | { kind: "stopped" }
  | { kind: "failed"; reason: string };

/** The status of a client state change; `running` learns the version once initialized. */
export function statusOf(state: State, version: string | undefined): ServerStatus {
  switch (state) {
    case State.Starting:
      return { kind: "starting" };
    case State.Running:
      return { kind: "running", version };
    case State.Stopped:
      return { kind: "stopped" };
  }
}

/** A status bar item, visible while the active editor holds an FPL document. */
export class StatusItem implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly languageId: string) {
    this.item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 0);
    this.item.name = "FPL Language Server";
    this.subscription = vscode.window.onDidChangeActiveTextEditor((editor) => {
      this.updateVisibility(editor);
    });
    this.updateVisibility(vscode.window.activeTextEditor);
  }

  /** Shows `status`; a click restarts a server that is not running, else shows its output. */
  show(status: ServerStatus, serverCommand: string): void {
    switch (status.kind) {
      case "starting":
        this.item.text = "$(sync~spin) FPL";
        this.item.tooltip = `Starting ${serverCommand} lsp`;
        this.item.command = "faramesh.showOutput";
        this.item.backgroundColor = undefined;
        break;
      case "running":
        this.item.text = "$(check) FPL";
        this.item.tooltip = `faramesh lsp ${status.version ?? ""} is running (${serverCommand}); click for its output`;
        this.item.command = "faramesh.showOutput";
        this.item.backgroundColor = undefined;
        break;
      case "stopped":
        this.item.text = "$(debug-stop) FPL";
        this.item.tooltip = "The language server is stopped; click to restart it";
        this.item.command = "faramesh.restartServer";
        this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.warningBackground");
        break;
      case "failed":
        this.item.text = "$(error) FPL";
        this.item.tooltip = `The language server failed: ${status.reason}; click to restart it`;
        this.item.command = "faramesh.restartServer";
        this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
        break;
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }

  private updateVisibility(editor: vscode.TextEditor | undefined): void {
    if (editor?.document.languageId === this.languageId) {
      this.item.show();
    } else {
      this.item.hide();
    }
  }
}
