// Kills the lab's QEMU when its owner (a test run) dies, even by SIGKILL, so a
// crashed run leaves no QEMU behind. Started detached by lab.up({ ownerPid }).
import { isLabQemu } from './qemu.js';

const [owner, qemu] = process.argv.slice(2).map(Number);
if (!owner || !qemu) throw new Error('usage: watchdog.js OWNER_PID QEMU_PID');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const timer = setInterval(() => {
  if (!isLabQemu(qemu)) {
    clearInterval(timer);
  } else if (!alive(owner)) {
    process.kill(qemu, 'SIGKILL');
    clearInterval(timer);
  }
}, 1000);
