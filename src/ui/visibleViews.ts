// Which AWS Batch views are on screen: the status bar item shows while one is.
import * as vscode from 'vscode';

export class VisibleViews implements vscode.Disposable {
  private readonly visible = new Set<vscode.TreeView<unknown>>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  /** Follows a tree view's visibility (its subscription goes with the view's owner's). */
  track(view: vscode.TreeView<unknown>): vscode.Disposable {
    const update = () => {
      const before = this.visible.has(view);
      if (view.visible) this.visible.add(view);
      else this.visible.delete(view);
      if (before !== view.visible) this.changed.fire();
    };
    update();
    return view.onDidChangeVisibility(update);
  }

  get any(): boolean {
    return this.visible.size > 0;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
