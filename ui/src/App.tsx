import { Wizard } from './components/Wizard';

/** The whole window: the setup wizard. */
export function App({ demo }: { demo: boolean }) {
  return <Wizard demo={demo} />;
}
