// The network's event stream: NAT mappings made and expired, drops with their
// reason, nodes added and removed. Emitting is a no-op when nobody listens, so
// the packet path pays one branch.

export interface BaseEvent {
  /** Engine time in nanoseconds. */
  time: number;
}

export interface MappingEvent extends BaseEvent {
  type: 'mapping-created' | 'mapping-expired' | 'mapping-deleted' | 'mapping-refused';
  router: string;
  proto: string;
  internal: string;
  external: string;
  remote?: string;
  reason?: string;
}

export interface DropEvent extends BaseEvent {
  type: 'drop';
  iface: string;
  reason: string;
  packet: string;
}

export interface NodeEvent extends BaseEvent {
  type: 'node-added' | 'node-removed';
  kind: 'router' | 'host';
  name: string;
}

export interface FilterEvent extends BaseEvent {
  type: 'filter-added' | 'filter-changed' | 'filter-removed';
  id: number;
  iface: string;
  direction: 'egress' | 'ingress';
}

export interface ErrorEvent extends BaseEvent {
  type: 'error';
  message: string;
}

/** A capture stopped by itself: its file or stream could not be written (disk full, I/O error). */
export interface CaptureEvent extends BaseEvent {
  type: 'capture-failed';
  id: number;
  error: string;
}

export type NetworkEvent = MappingEvent | DropEvent | NodeEvent | FilterEvent | ErrorEvent | CaptureEvent;
export type EventListener = (e: NetworkEvent) => void;

export class EventBus {
  private listeners: EventListener[] = [];
  /** True when someone listens; check before building an event on a hot path. */
  active = false;

  on(listener: EventListener): () => void {
    this.listeners.push(listener);
    this.active = true;
    return () => this.off(listener);
  }

  off(listener: EventListener): void {
    this.listeners = this.listeners.filter((l) => l !== listener);
    this.active = this.listeners.length > 0;
  }

  emit(e: NetworkEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure must not break the packet path.
      }
    }
  }
}
