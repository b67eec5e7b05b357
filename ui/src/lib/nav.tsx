// Where the window can go besides the wizard's steps: the dashboard. The app provides
// it; the wizard's frame offers it once a project is listed there, and the Done screen
// after every deploy that went live.

import { createContext, useContext, type ReactNode } from 'react';

export interface DashboardLink {
  go: () => void;
  /** Whether the dashboard lists any project yet. */
  listed: boolean;
}

const Link = createContext<DashboardLink | null>(null);

export function DashboardLinkProvider({ link, children }: { link: DashboardLink; children: ReactNode }) {
  return <Link.Provider value={link}>{children}</Link.Provider>;
}

/** The way to the dashboard; null outside the app (a component shown on its own). */
export function useDashboardLink(): DashboardLink | null {
  return useContext(Link);
}
