import { writeFenced, type WriteAnswer } from '../fencing-resource.js';
import type { LeadershipRecorder, RoleObservation } from './recorder.js';

export interface WorkloadStats {
  accepted: number;
  rejected: number;
  unanswered: number;
}

/**
 * One member's workload, running in the test process: whenever its sidecar's /role/leader
 * answers 200 it writes to the fenced resource with that answer's token, at most one write at
 * a time and one per `minIntervalMs`. `pause` freezes it as a SIGSTOP would freeze the pod.
 */
export class Workload {
  readonly stats: WorkloadStats = { accepted: 0, rejected: 0, unanswered: 0 };
  private lastToken: number | null = null;
  private lastWriteAt = -Infinity;
  private inFlight: Promise<void> | null = null;
  private isPaused = false;
  private readonly unsubscribe: () => void;

  constructor(
    readonly member: string,
    private readonly resourceUrl: string,
    recorder: LeadershipRecorder,
    private readonly minIntervalMs = 50,
  ) {
    this.unsubscribe = recorder.onRole((observation) => {
      this.observe(observation);
    });
  }

  /** The token of the last 200 this workload acted on; null before any. */
  get token(): number | null {
    return this.lastToken;
  }

  /** Stops writing, as if the pod were frozen; the token it holds is kept. */
  pause(): void {
    this.isPaused = true;
  }

  /**
   * Wakes up the way a paused process does: it finishes the write it was about to make with
   * the token it held, before it looks at its sidecar again. Resolves with the resource's answer.
   */
  async resumeWithStaleWrite(): Promise<WriteAnswer | null> {
    await this.inFlight;
    const token = this.lastToken;
    if (token === null) throw new Error(`${this.member}'s workload never held a token`);
    const answer = await this.write(token);
    this.isPaused = false;
    return answer;
  }

  /** Stops for good and waits for the write in flight. */
  async stop(): Promise<void> {
    this.unsubscribe();
    this.isPaused = true;
    await this.inFlight;
  }

  private observe(observation: RoleObservation): void {
    if (observation.member !== this.member || this.isPaused) return;
    if (observation.state !== 'acting' || observation.fencingToken === null) return;
    this.lastToken = observation.fencingToken;
    if (this.inFlight !== null || performance.now() - this.lastWriteAt < this.minIntervalMs) return;
    const token = observation.fencingToken;
    this.inFlight = this.write(token).then(() => {
      this.inFlight = null;
    });
  }

  private async write(token: number): Promise<WriteAnswer | null> {
    this.lastWriteAt = performance.now();
    const answer = await writeFenced(this.resourceUrl, token, this.member);
    if (answer === null) this.stats.unanswered++;
    else if (answer.isAccepted) this.stats.accepted++;
    else this.stats.rejected++;
    return answer;
  }
}
