// Runs async operations one after another, each starting once the previous
// one has settled (failed or not): the mutual exclusion a log or a file needs
// when several callers await it at once.

export class OperationQueue {
  #last: Promise<unknown> = Promise.resolve();

  run<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#last.then(operation);
    this.#last = result.catch(() => undefined);
    return result;
  }
}
