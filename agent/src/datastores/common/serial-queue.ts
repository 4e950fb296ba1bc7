// One queue per manager: mutating operations (lifecycle and administration) run one after another
// in call order, so a restart never cuts a CREATE ROLE in half and two GRANTs on one database never
// race ("tuple concurrently updated").

/** Runs a task after every task queued before it, whatever their outcome. */
export type SerialQueue = <T>(task: () => Promise<T>) => Promise<T>;

/** A fresh queue; see SerialQueue. */
export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = tail.then(task, task);
    tail = run.catch(() => {});
    return run;
  };
}
