<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>Banner</name>
    <message>
        <source>this system does not allow unprivileged user namespaces (user.max_user_namespaces = 0), so the run could not have a network of its own to capture.</source>
        <translation>이 시스템은 일반 사용자의 user 네임스페이스를 허용하지 않으므로(user.max_user_namespaces = 0), 실행이 캡처할 자기만의 네트워크를 가질 수 없었습니다.</translation>
    </message>
    <message>
        <source>To enable: sudo sysctl -w user.max_user_namespaces=15000, then run again.</source>
        <translation>켜는 방법: sudo sysctl -w user.max_user_namespaces=15000 을 실행한 뒤 다시 실행하세요.</translation>
    </message>
    <message>
        <source>capturing a run&apos;s packets needs Linux network namespaces.</source>
        <translation>실행의 패킷을 캡처하려면 Linux 네트워크 네임스페이스가 필요합니다.</translation>
    </message>
    <message>
        <source>the system refused the run a user namespace of its own (Ubuntu 24.04&apos;s AppArmor restriction does this), so it could not capture.</source>
        <translation>시스템이 실행에 자기만의 user 네임스페이스를 허락하지 않아(Ubuntu 24.04의 AppArmor 제한이 이렇게 합니다) 캡처할 수 없었습니다.</translation>
    </message>
    <message>
        <source>To enable: install SocketScope&apos;s .deb package (it grants its program a user namespace), or sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0.</source>
        <translation>켜는 방법: SocketScope의 .deb 패키지를 설치하거나(프로그램에 user 네임스페이스를 허용합니다), sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 을 실행하세요.</translation>
    </message>
    <message>
        <source>Calls only, no packets:</source>
        <translation>호출만 표시, 패킷 없음:</translation>
    </message>
    <message>
        <source>Calls only, no packets: the capture could not start ({detail}).</source>
        <translation>호출만 표시, 패킷 없음: 캡처를 시작할 수 없었습니다 ({detail}).</translation>
    </message>
    <message>
        <source>The capture dropped {n} packets: the diagram lacks them.</source>
        <translation>캡처가 패킷 {n}개를 놓쳤습니다: 다이어그램에 그 패킷들은 없습니다.</translation>
    </message>
</context>
<context>
    <name>DiagramText</name>
    <message>
        <source>waits: {actor} in {op}()</source>
        <translation>기다림: {actor}이(가) {op}()에 들어갈 때까지</translation>
    </message>
    <message>
        <source>waits: {actor} finished</source>
        <translation>기다림: {actor}이(가) 끝날 때까지</translation>
    </message>
    <message>
        <source>{size} in {count} calls</source>
        <translation>{count}번 호출로 {size}</translation>
    </message>
    <message>
        <source>, {n} blocked</source>
        <translation>, {n}번 블로킹</translation>
    </message>
    <message>
        <source>✗ timed out</source>
        <translation>✗ 시간 초과</translation>
    </message>
    <message>
        <source>✗ stopped</source>
        <translation>✗ 중지됨</translation>
    </message>
    <message>
        <source>✗ refused: not loopback</source>
        <translation>✗ 거부: 루프백 주소가 아님</translation>
    </message>
    <message>
        <source>✗ the process exited</source>
        <translation>✗ 프로세스가 종료됨</translation>
    </message>
    <message>
        <source>never returned: the process was killed by SIGKILL</source>
        <translation>반환되지 않음: SIGKILL에 의해 프로세스가 강제 종료됨</translation>
    </message>
    <message>
        <source>peer set; bound {address}</source>
        <translation>상대 지정됨; {address}에 bind됨</translation>
    </message>
    <message>
        <source>peer set</source>
        <translation>상대 지정됨</translation>
    </message>
    <message>
        <source>connected from {address}</source>
        <translation>연결됨, 내 주소 {address}</translation>
    </message>
    <message>
        <source>0 B: end of stream (EOF)</source>
        <translation>0 B: 스트림 끝 (EOF)</translation>
    </message>
    <message>
        <source>{size} sent; implicit bind {address}</source>
        <translation>{size} 보냄; 암묵적 bind {address}</translation>
    </message>
    <message>
        <source>{size} sent</source>
        <translation>{size} 보냄</translation>
    </message>
    <message>
        <source>{n} ready</source>
        <translation>{n}개 준비됨</translation>
    </message>
    <message>
        <source>ready: {fds}</source>
        <translation>준비됨: {fds}</translation>
    </message>
    <message>
        <source>done waiting</source>
        <translation>기다림 끝</translation>
    </message>
    <message>
        <source>started</source>
        <translation>시작됨</translation>
    </message>
    <message>
        <source>handler installed</source>
        <translation>핸들러 설치됨</translation>
    </message>
    <message>
        <source>signal sent</source>
        <translation>시그널 보냄</translation>
    </message>
    <message>
        <source>implicit bind {address}</source>
        <translation>암묵적 bind {address}</translation>
    </message>
    <message>
        <source>bound {address}</source>
        <translation>{address}에 bind됨</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>성공</translation>
    </message>
    <message>
        <source>in the kernel: {wait}</source>
        <translation>커널 안: {wait}</translation>
    </message>
    <message>
        <source>asleep in the kernel: {wait}, in {syscall}()</source>
        <translation>커널 안에서 잠듦: {syscall}() 안의 {wait}</translation>
    </message>
    <message>
        <source>asleep in the kernel: {wait}</source>
        <translation>커널 안에서 잠듦: {wait}</translation>
    </message>
    <message>
        <source>measured by time only on this system</source>
        <translation>이 시스템에서는 시간으로만 측정함</translation>
    </message>
    <message>
        <source>{n} datagrams dropped by the kernel</source>
        <translation>커널이 데이터그램 {n}개를 버림</translation>
    </message>
    <message>
        <source>{n} datagrams dropped by the kernel, or read by a recv() that did not say where its datagram came from: which ones cannot be told</source>
        <translation>커널이 버렸거나, 출처를 알려 주지 않는 recv()가 읽은 데이터그램 {n}개: 어느 것인지는 알 수 없음</translation>
    </message>
    <message>
        <source>{call}({status}) at {where}</source>
        <translation>{where}에서 {call}({status}) 호출</translation>
    </message>
    <message>
        <source>the run&apos;s process exited (status {status})</source>
        <translation>실행 프로세스가 종료됨 (종료 상태 {status})</translation>
    </message>
    <message>
        <source>the run&apos;s process was killed by {signal}</source>
        <translation>실행 프로세스가 {signal} 시그널로 강제 종료됨</translation>
    </message>
    <message>
        <source>did not stop within 1 s: its process was killed ({signal})</source>
        <translation>1초 안에 멈추지 않아 프로세스를 강제 종료함 ({signal})</translation>
    </message>
    <message>
        <source>SYN · SYN-ACK · ACK (kernel, inferred)</source>
        <translation>SYN · SYN-ACK · ACK (커널, 추정)</translation>
    </message>
    <message>
        <source>{label} again</source>
        <translation>{label} 다시</translation>
    </message>
    <message>
        <source>RST (kernel, inferred)</source>
        <translation>RST (커널, 추정)</translation>
    </message>
    <message>
        <source>FIN (kernel, inferred)</source>
        <translation>FIN (커널, 추정)</translation>
    </message>
    <message>
        <source>reader made room</source>
        <translation>수신자가 버퍼 공간을 비움</translation>
    </message>
    <message>
        <source>lost (link dropped it)</source>
        <translation>손실 (링크가 버림)</translation>
    </message>
    <message>
        <source>a connection arrived</source>
        <translation>연결이 도착함</translation>
    </message>
    <message>
        <source>data arrived</source>
        <translation>데이터가 도착함</translation>
    </message>
    <message>
        <source>connected (kernel)</source>
        <translation>연결됨 (커널)</translation>
    </message>
</context>
<context>
    <name>EngineMessage</name>
    <message>
        <source> — {system_pid} on this machine (ps, strace -p)</source>
        <translation> — 이 컴퓨터에서는 {system_pid} (ps, strace -p)</translation>
    </message>
    <message>
        <source>ptrace is refused by Yama (kernel.yama.ptrace_scope = {scope}; {error})</source>
        <translation>Yama가 ptrace를 막고 있습니다(kernel.yama.ptrace_scope = {scope}; {error})</translation>
    </message>
    <message>
        <source>ptrace is refused here ({error}); this process runs under a seccomp filter, as in a container: inferred to be the cause</source>
        <translation>여기서는 ptrace가 거부됩니다({error}). 이 프로세스는 컨테이너에서처럼 seccomp 필터 아래에서 실행되고 있으며, 이것이 원인이라고 추정합니다</translation>
    </message>
    <message>
        <source>ptrace is refused here ({error})</source>
        <translation>여기서는 ptrace가 거부됩니다({error})</translation>
    </message>
    <message>
        <source>this system refused no_new_privs, needed for the seccomp filter</source>
        <translation>이 시스템이 seccomp 필터에 필요한 no_new_privs를 거부했습니다</translation>
    </message>
    <message>
        <source>this system refused the seccomp filter: seccomp is not available here</source>
        <translation>이 시스템이 seccomp 필터를 거부했습니다: 여기서는 seccomp를 쓸 수 없습니다</translation>
    </message>
    <message>
        <source>this kernel cannot tell a tracer the system calls&apos; arguments (PTRACE_GET_SYSCALL_INFO, Linux 5.3 and later)</source>
        <translation>이 커널은 추적기에 시스템 호출의 인자를 알려 주지 못합니다(PTRACE_GET_SYSCALL_INFO, Linux 5.3 이상 필요)</translation>
    </message>
    <message>
        <source>SOCKETSCOPE_C_TRACER=strace was set</source>
        <translation>SOCKETSCOPE_C_TRACER=strace가 설정되어 있습니다</translation>
    </message>
    <message>
        <source>the process was killed by {signal}</source>
        <translation>{signal}에 의해 프로세스가 강제 종료됨</translation>
    </message>
    <message>
        <source>the process was killed by {signal} during this call; it never returned</source>
        <translation>이 호출 중에 {signal}에 의해 프로세스가 강제 종료됨: 호출은 끝내 돌아오지 않음</translation>
    </message>
    <message>
        <source>killed by {signal}: the kernel closed this socket</source>
        <translation>{signal}로 종료됨: 커널이 이 소켓을 닫음</translation>
    </message>
    <message>
        <source>the process actor could not run: {detail}</source>
        <translation>프로세스 액터를 실행할 수 없음: {detail}</translation>
    </message>
    <message>
        <source>{function} (process {pid})</source>
        <translation>{function} (프로세스 {pid})</translation>
    </message>
    <message>
        <source>sys.exit({status}) in process {pid}</source>
        <translation>프로세스 {pid}에서 sys.exit({status})</translation>
    </message>
    <message>
        <source>{thread} (thread of {program})</source>
        <translation>{thread} ({program}의 스레드)</translation>
    </message>
    <message>
        <source>{program} (process {pid}) runs, not traced: its own calls are not shown (C programs: not available in this build)</source>
        <translation>{program} (프로세스 {pid}) 실행 중, 추적 안 함: 이 프로그램의 호출은 보이지 않습니다 (C 프로그램: 이 빌드에서는 사용할 수 없음)</translation>
    </message>
    <message>
        <source>{program} exited with status {status}</source>
        <translation>{program}이(가) 상태 {status}(으)로 종료했습니다</translation>
    </message>
    <message>
        <source>{program} could not start: {detail}</source>
        <translation>{program}을(를) 시작할 수 없습니다: {detail}</translation>
    </message>
    <message>
        <source>fork(): the new process runs untraced (the processes a traced Python program forks are not traced yet)</source>
        <translation>fork(): 새 프로세스는 추적 없이 실행됩니다 (추적 중인 파이썬 프로그램이 fork한 프로세스는 아직 추적하지 않습니다)</translation>
    </message>
    <message>
        <source>bind to {address} made on {loopback}: SocketScope keeps programs on this machine</source>
        <translation>{address}에 대한 bind를 {loopback}에 했습니다: SocketScope는 프로그램을 이 컴퓨터 안에 둡니다</translation>
    </message>
    <message>
        <source>{signal} received: {handler}() runs</source>
        <translation>{signal} 받음: {handler}() 실행</translation>
    </message>
    <message>
        <source>fork(): process {pid}, a child of {parent} (process {ppid})</source>
        <translation>fork(): 프로세스 {pid}, {parent}(프로세스 {ppid})의 자식</translation>
    </message>
    <message>
        <source>thread {tid} of process {pid}</source>
        <translation>프로세스 {pid}의 스레드 {tid}</translation>
    </message>
    <message>
        <source>fd {fd} inherited from {from_actor}: the same socket</source>
        <translation>fd {fd}를 {from_actor}에게서 물려받음: 같은 소켓</translation>
    </message>
    <message>
        <source>exit status {status}</source>
        <translation>종료 상태 {status}</translation>
    </message>
    <message>
        <source>the process ended: the kernel closed this socket</source>
        <translation>프로세스가 끝나서 커널이 이 소켓을 닫았습니다</translation>
    </message>
    <message>
        <source>{signal} received</source>
        <translation>{signal} 받음</translation>
    </message>
    <message>
        <source>fd {fd} closed; the socket stays open: it is still held by {holders}</source>
        <translation>fd {fd}를 닫았습니다. 소켓은 열린 채로 남습니다: {holders}이(가) 아직 갖고 있습니다</translation>
    </message>
    <message>
        <source>bind() to {address} (every interface) is made on {loopback} instead: SocketScope keeps this run on loopback</source>
        <translation>{address}(모든 인터페이스)에 대한 bind()를 대신 {loopback}에 합니다: SocketScope는 이 실행을 루프백 안에 둡니다</translation>
    </message>
    <message>
        <source>{op}() to {address} refused before it was made: SocketScope keeps this run on loopback (127.0.0.0/8, ::1), so no packet leaves this machine; the program got EPERM</source>
        <translation>{address}로의 {op}()는 호출되기 전에 거부되었습니다: SocketScope는 이 실행을 루프백(127.0.0.0/8, ::1) 안에 두어 어떤 패킷도 이 컴퓨터 밖으로 나가지 않게 합니다. 프로그램은 EPERM을 받았습니다</translation>
    </message>
    <message>
        <source>cannot be traced here ({program}): {detail}</source>
        <translation>여기서 추적할 수 없습니다({program}): {detail}</translation>
    </message>
    <message>
        <source>the step-by-step tracer cannot run here ({detail}): traced with strace instead; calls are shown as they end, stepping is not available</source>
        <translation>한 단계씩 실행하는 추적기를 여기서는 쓸 수 없습니다({detail}): 대신 strace로 추적합니다. 호출은 끝날 때 보이며, 한 단계씩 실행은 할 수 없습니다</translation>
    </message>
    <message>
        <source>cannot be traced here ({program}): {cause}; strace needs ptrace too and cannot trace here either ({strace})</source>
        <translation>여기서 추적할 수 없습니다({program}): {cause}. strace도 ptrace가 필요하므로 여기서는 역시 추적할 수 없습니다({strace})</translation>
    </message>
    <message>
        <source>cannot be traced here ({program}): {cause}; strace is not installed (it would show the calls, without stepping)</source>
        <translation>여기서 추적할 수 없습니다({program}): {cause}. strace도 설치되어 있지 않습니다(설치되어 있으면 한 단계씩 실행 없이 호출을 보여 줍니다)</translation>
    </message>
    <message>
        <source>the tracer could not follow this call: {detail}</source>
        <translation>추적기가 이 호출을 따라가지 못했습니다: {detail}</translation>
    </message>
</context>
<context>
    <name>Export</name>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 이미지 (*.png)</translation>
    </message>
    <message>
        <source>SVG picture (*.svg)</source>
        <translation>SVG 그림 (*.svg)</translation>
    </message>
    <message>
        <source>PDF document (*.pdf)</source>
        <translation>PDF 문서 (*.pdf)</translation>
    </message>
    <message>
        <source>Mermaid text (*.mmd)</source>
        <translation>Mermaid 텍스트 (*.mmd)</translation>
    </message>
    <message>
        <source>PlantUML text (*.puml)</source>
        <translation>PlantUML 텍스트 (*.puml)</translation>
    </message>
    <message>
        <source>SocketScope trace (*.jsonl)</source>
        <translation>SocketScope 트레이스 (*.jsonl)</translation>
    </message>
    <message>
        <source>Packets for Wireshark (*.pcapng)</source>
        <translation>Wireshark용 패킷 (*.pcapng)</translation>
    </message>
</context>
<context>
    <name>LessonPanel</name>
    <message>
        <source>(no source recorded for this trace)</source>
        <translation>(이 트레이스에는 소스가 기록되지 않았습니다)</translation>
    </message>
    <message>
        <source>What to notice</source>
        <translation>눈여겨볼 점</translation>
    </message>
    <message>
        <source>Press Space to run, → to step.</source>
        <translation>Space로 실행, →로 한 단계씩 진행합니다.</translation>
    </message>
    <message>
        <source>Made in {function}(): compile with -g to see your lines</source>
        <translation>{function}() 안에서 한 호출입니다. -g 옵션으로 컴파일하면 소스 줄이 보입니다</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Step →</source>
        <translation>한 단계 →</translation>
    </message>
    <message>
        <source>One call: the earliest waiting actor (→)</source>
        <translation>호출 하나: 가장 먼저 기다린 액터 (→)</translation>
    </message>
    <message>
        <source>← Back</source>
        <translation>← 뒤로</translation>
    </message>
    <message>
        <source>Step back through the recorded trace (←)</source>
        <translation>기록된 트레이스에서 한 단계 뒤로 (←)</translation>
    </message>
    <message>
        <source>⟲ Reset</source>
        <translation>⟲ 초기화</translation>
    </message>
    <message>
        <source>Stop everything and start clean (Ctrl+R)</source>
        <translation>모두 멈추고 처음부터 다시 시작 (Ctrl+R)</translation>
    </message>
    <message>
        <source>Study mode: predict, then reveal</source>
        <translation>학습 모드: 예측한 뒤 확인</translation>
    </message>
    <message>
        <source>Before each step, guess what the call will do; the real run tells (Ctrl+P)</source>
        <translation>단계마다 먼저 호출의 결과를 예측하고, 실제 실행으로 확인합니다 (Ctrl+P)</translation>
    </message>
    <message>
        <source>Lecture mode</source>
        <translation>강의 모드</translation>
    </message>
    <message>
        <source>Full screen, everything larger, for a projector (F11)</source>
        <translation>전체 화면, 모든 것을 크게: 프로젝터용 (F11)</translation>
    </message>
    <message>
        <source>Step (presenter remote)</source>
        <translation>한 단계 (프레젠터 리모컨)</translation>
    </message>
    <message>
        <source>Step back (presenter remote)</source>
        <translation>한 단계 뒤로 (프레젠터 리모컨)</translation>
    </message>
    <message>
        <source>Blank the screen</source>
        <translation>화면 가리기</translation>
    </message>
    <message>
        <source>Zoom in (Ctrl +); in lecture mode: everything larger</source>
        <translation>확대 (Ctrl +), 강의 모드에서는 모든 것을 크게</translation>
    </message>
    <message>
        <source>Zoom out (Ctrl −); in lecture mode: everything smaller</source>
        <translation>축소 (Ctrl −), 강의 모드에서는 모든 것을 작게</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>맞춤</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>확대</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>축소</translation>
    </message>
    <message>
        <source>Actual size</source>
        <translation>실제 크기</translation>
    </message>
    <message>
        <source>100 % (Ctrl 0); in lecture mode: the default presenter scale</source>
        <translation>100 % (Ctrl 0), 강의 모드에서는 기본 발표 배율</translation>
    </message>
    <message>
        <source>Fit the whole diagram (Ctrl 9)</source>
        <translation>다이어그램 전체를 맞춤 (Ctrl 9)</translation>
    </message>
    <message>
        <source>Choose a lesson…</source>
        <translation>수업 고르기…</translation>
    </message>
    <message>
        <source>Open lesson file…</source>
        <translation>수업 파일 열기…</translation>
    </message>
    <message>
        <source>Open trace…</source>
        <translation>트레이스 열기…</translation>
    </message>
    <message>
        <source>Run programs…</source>
        <translation>프로그램 실행…</translation>
    </message>
    <message>
        <source>Your own programs (Python or executables), traced (Ctrl+Shift+P)</source>
        <translation>내 프로그램(파이썬 또는 실행 파일)을 추적하며 실행 (Ctrl+Shift+P)</translation>
    </message>
    <message>
        <source>Save trace…</source>
        <translation>트레이스 저장…</translation>
    </message>
    <message>
        <source>Save session (trace and position)…</source>
        <translation>세션 저장 (트레이스와 현재 위치)…</translation>
    </message>
    <message>
        <source>Diagram as PNG…</source>
        <translation>다이어그램을 PNG로…</translation>
    </message>
    <message>
        <source>Diagram as SVG…</source>
        <translation>다이어그램을 SVG로…</translation>
    </message>
    <message>
        <source>Diagram as PDF…</source>
        <translation>다이어그램을 PDF로…</translation>
    </message>
    <message>
        <source>Visible part as PNG…</source>
        <translation>보이는 부분을 PNG로…</translation>
    </message>
    <message>
        <source>Visible part as SVG…</source>
        <translation>보이는 부분을 SVG로…</translation>
    </message>
    <message>
        <source>Visible part as PDF…</source>
        <translation>보이는 부분을 PDF로…</translation>
    </message>
    <message>
        <source>Slides: one picture per step…</source>
        <translation>슬라이드: 단계마다 그림 한 장…</translation>
    </message>
    <message>
        <source>Mermaid text…</source>
        <translation>Mermaid 텍스트…</translation>
    </message>
    <message>
        <source>PlantUML text…</source>
        <translation>PlantUML 텍스트…</translation>
    </message>
    <message>
        <source>Preferences…</source>
        <translation>환경 설정…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>끝내기</translation>
    </message>
    <message>
        <source>Reset panel layout</source>
        <translation>패널 배치 되돌리기</translation>
    </message>
    <message>
        <source>Step actor {n}</source>
        <translation>{n}번 액터 한 단계</translation>
    </message>
    <message>
        <source>Controls</source>
        <translation>조작</translation>
    </message>
    <message>
        <source>speed</source>
        <translation>속도</translation>
    </message>
    <message>
        <source>Slow (2 s per call) … as fast as possible</source>
        <translation>느리게 (호출당 2초) … 최대한 빠르게</translation>
    </message>
    <message>
        <source>timeline</source>
        <translation>타임라인</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>네트워크</translation>
    </message>
    <message>
        <source>Loss, delay, reordering and duplication on the link of two-host lessons</source>
        <translation>두 호스트 수업의 링크에서 손실, 지연, 순서 바뀜, 중복</translation>
    </message>
    <message>
        <source>Move through the recorded trace</source>
        <translation>기록된 트레이스 안에서 이동</translation>
    </message>
    <message>
        <source>Language of the interface and the explanations</source>
        <translation>화면과 설명의 언어</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>파일(&amp;F)</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>내보내기</translation>
    </message>
    <message>
        <source>&amp;Lessons</source>
        <translation>수업(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>보기(&amp;V)</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <source>Panels</source>
        <translation>패널</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>테마</translation>
    </message>
    <message>
        <source>Socket inspector</source>
        <translation>소켓 살펴보기</translation>
    </message>
    <message>
        <source>Sockets</source>
        <translation>소켓 목록</translation>
    </message>
    <message>
        <source>Code and explanation</source>
        <translation>코드와 설명</translation>
    </message>
    <message>
        <source>Program console</source>
        <translation>프로그램 콘솔</translation>
    </message>
    <message>
        <source>Study mode: predict each step first.</source>
        <translation>학습 모드: 단계마다 먼저 예측합니다.</translation>
    </message>
    <message>
        <source>Study mode off</source>
        <translation>학습 모드 끔</translation>
    </message>
    <message>
        <source>Open lesson</source>
        <translation>수업 열기</translation>
    </message>
    <message>
        <source>Python lesson (*.py)</source>
        <translation>파이썬 수업 파일 (*.py)</translation>
    </message>
    <message>
        <source>Cannot open lesson</source>
        <translation>수업을 열 수 없습니다</translation>
    </message>
    <message>
        <source>This lesson could not be loaded. Where and why:</source>
        <translation>이 수업을 불러올 수 없습니다. 위치와 이유:</translation>
    </message>
    <message>
        <source>Open trace</source>
        <translation>트레이스 열기</translation>
    </message>
    <message>
        <source>SocketScope trace (*.jsonl);;All files (*)</source>
        <translation>SocketScope 트레이스 (*.jsonl);;모든 파일 (*)</translation>
    </message>
    <message>
        <source>Cannot open trace</source>
        <translation>트레이스를 열 수 없습니다</translation>
    </message>
    <message>
        <source>This file could not be read as a SocketScope trace. Where and why:</source>
        <translation>이 파일을 SocketScope 트레이스로 읽을 수 없습니다. 위치와 이유:</translation>
    </message>
    <message>
        <source>Folder for the slides</source>
        <translation>슬라이드를 저장할 폴더</translation>
    </message>
    <message>
        <source>Export {format}</source>
        <translation>{format} 내보내기</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>내보내는 중…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>취소</translation>
    </message>
    <message>
        <source>Export cancelled.</source>
        <translation>내보내기를 취소했습니다.</translation>
    </message>
    <message>
        <source>Cannot export</source>
        <translation>내보낼 수 없습니다</translation>
    </message>
    <message>
        <source>The export could not be written:</source>
        <translation>내보낸 파일을 쓸 수 없습니다:</translation>
    </message>
    <message>
        <source>Exported {path}</source>
        <translation>{path}(으)로 내보냈습니다</translation>
    </message>
    <message>
        <source>Save trace</source>
        <translation>트레이스 저장</translation>
    </message>
    <message>
        <source>Save session</source>
        <translation>세션 저장</translation>
    </message>
    <message>
        <source>Cannot save trace</source>
        <translation>트레이스를 저장할 수 없습니다</translation>
    </message>
    <message>
        <source>The trace could not be saved:</source>
        <translation>트레이스를 저장할 수 없습니다:</translation>
    </message>
    <message>
        <source>[recorded trace]</source>
        <translation>[기록된 트레이스]</translation>
    </message>
    <message>
        <source>❚❚ Pause</source>
        <translation>❚❚ 일시정지</translation>
    </message>
    <message>
        <source>▶ Run</source>
        <translation>▶ 실행</translation>
    </message>
    <message>
        <source>Run / pause (Space)</source>
        <translation>실행 / 일시정지 (Space)</translation>
    </message>
</context>
<context>
    <name>MissedDialog</name>
    <message>
        <source>How it went</source>
        <translation>결과</translation>
    </message>
    <message>
        <source>Missed (double-click to go back to the call):</source>
        <translation>틀린 질문 (두 번 눌러 그 호출로 이동):</translation>
    </message>
    <message>
        <source>Every prediction was right.</source>
        <translation>모든 예측이 맞았습니다.</translation>
    </message>
</context>
<context>
    <name>Network</name>
    <message>
        <source>link</source>
        <translation>링크</translation>
    </message>
    <message>
        <source>host {name}</source>
        <translation>호스트 {name}</translation>
    </message>
    <message>
        <source>SYN</source>
        <translation>SYN</translation>
    </message>
    <message>
        <source>data segment</source>
        <translation>데이터 세그먼트</translation>
    </message>
    <message>
        <source>datagram</source>
        <translation>데이터그램</translation>
    </message>
    <message>
        <source>packet</source>
        <translation>패킷</translation>
    </message>
    <message>
        <source>drops {what} #{n}</source>
        <translation>{what} #{n} 버림</translation>
    </message>
    <message>
        <source>holds {what} #{n} back until #{after} has passed</source>
        <translation>{what} #{n}을(를) #{after}이(가) 지나갈 때까지 붙잡아 둠</translation>
    </message>
    <message>
        <source>holds {what} #{n} back {ms} ms</source>
        <translation>{what} #{n}을(를) {ms} ms 붙잡아 둠</translation>
    </message>
    <message>
        <source>duplicates {what} #{n}</source>
        <translation>{what} #{n} 중복 전달</translation>
    </message>
    <message>
        <source>loss {p}%</source>
        <translation>손실 {p}%</translation>
    </message>
    <message>
        <source>delay {ms}±{jitter} ms</source>
        <translation>지연 {ms}±{jitter} ms</translation>
    </message>
    <message>
        <source>delay {ms} ms</source>
        <translation>지연 {ms} ms</translation>
    </message>
    <message>
        <source>reorder {p}%</source>
        <translation>순서 바뀜 {p}%</translation>
    </message>
    <message>
        <source>duplicate {p}%</source>
        <translation>중복 {p}%</translation>
    </message>
    <message>
        <source>seed {seed}</source>
        <translation>시드 {seed}</translation>
    </message>
    <message>
        <source>link: no loss, no delay</source>
        <translation>링크: 손실 없음, 지연 없음</translation>
    </message>
    <message>
        <source>link: {weather}</source>
        <translation>링크: {weather}</translation>
    </message>
    <message>
        <source>{n} dropped</source>
        <translation>{n}개 버림</translation>
    </message>
    <message>
        <source>{n} held back</source>
        <translation>{n}개 붙잡아 둠</translation>
    </message>
    <message>
        <source>{n} reordered</source>
        <translation>{n}개 순서 바뀜</translation>
    </message>
    <message>
        <source>{n} duplicated</source>
        <translation>{n}개 중복</translation>
    </message>
    <message>
        <source>so far: {what}</source>
        <translation>지금까지: {what}</translation>
    </message>
</context>
<context>
    <name>NetworkPanel</name>
    <message>
        <source>The link between host A and host B</source>
        <translation>호스트 A와 호스트 B 사이의 링크</translation>
    </message>
    <message>
        <source>Loss (%)</source>
        <translation>손실 (%)</translation>
    </message>
    <message>
        <source>Delay (ms)</source>
        <translation>지연 (ms)</translation>
    </message>
    <message>
        <source>Jitter ± (ms)</source>
        <translation>지터 ± (ms)</translation>
    </message>
    <message>
        <source>Reorder (%)</source>
        <translation>순서 바뀜 (%)</translation>
    </message>
    <message>
        <source>Duplicate (%)</source>
        <translation>중복 (%)</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>시드</translation>
    </message>
    <message>
        <source>New seed</source>
        <translation>새 시드</translation>
    </message>
    <message>
        <source>Draw another seed: the link makes other random choices</source>
        <translation>다른 시드를 뽑습니다: 링크가 다른 무작위 선택을 합니다</translation>
    </message>
    <message>
        <source>The same seed makes the same random choices: the same packets lost again</source>
        <translation>같은 시드는 같은 무작위 선택을 합니다: 같은 패킷이 다시 손실됩니다</translation>
    </message>
    <message>
        <source>The run on screen had seed {seed}.</source>
        <translation>화면의 실행: 시드 {seed}</translation>
    </message>
    <message>
        <source>Apply and restart</source>
        <translation>적용하고 다시 시작</translation>
    </message>
    <message>
        <source>The lesson&apos;s own link</source>
        <translation>수업 본래의 링크</translation>
    </message>
    <message>
        <source>Applies to this lesson&apos;s next run: applying restarts it (so does Reset). The lesson&apos;s own exact rules, such as dropping the first SYN, stay.</source>
        <translation>이 수업의 다음 실행에 적용됩니다: 적용하면 수업이 다시 시작됩니다 (초기화도 마찬가지). 첫 SYN 버리기 같은 수업 본래의 정확한 규칙은 그대로 남습니다.</translation>
    </message>
    <message>
        <source>This lesson runs on one host: there is no link to change. The two-host lessons (udp-reorder, tcp-retransmit, tcp-syn-retry…) have one.</source>
        <translation>이 수업은 호스트 하나에서 실행됩니다: 바꿀 링크가 없습니다. 두 호스트 수업(udp-reorder, tcp-retransmit, tcp-syn-retry…)에는 링크가 있습니다.</translation>
    </message>
</context>
<context>
    <name>PacketPane</name>
    <message>
        <source>Packet: {label}</source>
        <translation>패킷: {label}</translation>
    </message>
    <message>
        <source>captured</source>
        <translation>캡처 시각</translation>
    </message>
    <message>
        <source>{t} s after the start, on {iface}</source>
        <translation>시작 후 {t}초, {iface} 인터페이스</translation>
    </message>
    <message>
        <source>from → to</source>
        <translation>보낸 쪽 → 받는 쪽</translation>
    </message>
    <message>
        <source>protocol</source>
        <translation>프로토콜</translation>
    </message>
    <message>
        <source>flags</source>
        <translation>플래그</translation>
    </message>
    <message>
        <source>seq / ack (relative)</source>
        <translation>seq / ack (상대값)</translation>
    </message>
    <message>
        <source>window</source>
        <translation>윈도우</translation>
    </message>
    <message>
        <source>{n} bytes</source>
        <translation>{n}바이트</translation>
    </message>
    <message>
        <source>payload</source>
        <translation>페이로드</translation>
    </message>
    <message>
        <source>on the wire</source>
        <translation>전송된 크기</translation>
    </message>
    <message>
        <source>stream bytes</source>
        <translation>스트림 바이트</translation>
    </message>
    <message>
        <source>why it was sent</source>
        <translation>보낸 이유</translation>
    </message>
    <message>
        <source>on the link</source>
        <translation>링크에서</translation>
    </message>
    <message>
        <source>The trace did not keep this packet&apos;s bytes.</source>
        <translation>트레이스에 이 패킷의 바이트가 남아 있지 않습니다.</translation>
    </message>
    <message>
        <source>Packets {op}() caused: {n}</source>
        <translation>{op}()이(가) 일으킨 패킷: {n}개</translation>
    </message>
    <message>
        <source>and {n} more</source>
        <translation>그리고 {n}개 더</translation>
    </message>
</context>
<context>
    <name>PacketView</name>
    <message>
        <source>lost: the link dropped it ({why})</source>
        <translation>손실: 링크가 버림 ({why})</translation>
    </message>
    <message>
        <source>lost: the link dropped it</source>
        <translation>손실: 링크가 버림</translation>
    </message>
    <message>
        <source>not seen arriving (yet)</source>
        <translation>(아직) 도착이 보이지 않음</translation>
    </message>
    <message>
        <source>arrived at host {host} {ms} ms later</source>
        <translation>{ms} ms 뒤 호스트 {host}에 도착</translation>
    </message>
    <message>
        <source>arrived at host {host} {n} times (the link duplicated it)</source>
        <translation>호스트 {host}에 {n}번 도착 (링크가 복제함)</translation>
    </message>
    <message>
        <source>the lesson&apos;s rule {n}</source>
        <translation>수업의 규칙 {n}</translation>
    </message>
    <message>
        <source>random loss {p}%</source>
        <translation>무작위 손실 {p}%</translation>
    </message>
    <message>
        <source>{n} {what}, {bytes} bytes of data</source>
        <translation>{what} {n}개, 데이터 {bytes}바이트</translation>
    </message>
    <message>
        <source>UDP {n} bytes</source>
        <translation>UDP {n}바이트</translation>
    </message>
    <message>
        <source>⟲ retransmission</source>
        <translation>⟲ 재전송</translation>
    </message>
    <message>
        <source>window 0</source>
        <translation>윈도우 0</translation>
    </message>
    <message>
        <source>zero-window probe</source>
        <translation>제로 윈도우 프로브</translation>
    </message>
    <message>
        <source>window update</source>
        <translation>윈도우 갱신</translation>
    </message>
    <message>
        <source>duplicate ACK</source>
        <translation>중복 ACK</translation>
    </message>
    <message>
        <source>keep-alive</source>
        <translation>keep-alive</translation>
    </message>
    <message>
        <source>delayed ACK</source>
        <translation>지연 ACK</translation>
    </message>
    <message>
        <source>data segments</source>
        <translation>데이터 세그먼트</translation>
    </message>
    <message>
        <source>ACKs</source>
        <translation>ACK</translation>
    </message>
    <message>
        <source>datagrams</source>
        <translation>데이터그램</translation>
    </message>
    <message>
        <source>packets</source>
        <translation>패킷</translation>
    </message>
    <message>
        <source>lost (link dropped it)</source>
        <translation>손실 (링크가 버림)</translation>
    </message>
    <message>
        <source>duplicate</source>
        <translation>중복</translation>
    </message>
    <message>
        <source>on the link</source>
        <translation>링크 위</translation>
    </message>
    <message>
        <source>+ {n} more packets (listed in the pcapng export)</source>
        <translation>+ 패킷 {n}개 더 (pcapng 내보내기에 모두 있음)</translation>
    </message>
    <message>
        <source>sent because of {actor}&apos;s {op}() (event {seq})</source>
        <translation>{actor}의 {op}() 때문에 보냄 (이벤트 {seq})</translation>
    </message>
    <message>
        <source>sent because of the call of event {seq}</source>
        <translation>이벤트 {seq}의 호출 때문에 보냄</translation>
    </message>
    <message>
        <source>sent by the kernel on its own, while {actor} was in {op}()</source>
        <translation>커널이 스스로 보냄 ({actor}은(는) {op}() 안에 있었음)</translation>
    </message>
    <message>
        <source>sent by the kernel on its own</source>
        <translation>커널이 스스로 보냄</translation>
    </message>
    <message>
        <source>no call of the run explains it</source>
        <translation>이 실행의 어떤 호출로도 설명되지 않음</translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message>
        <source>Preferences</source>
        <translation>환경 설정</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>시스템 설정을 따름</translation>
    </message>
    <message>
        <source>The same as the window</source>
        <translation>창과 같게</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>언어</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>테마</translation>
    </message>
    <message>
        <source>Theme in lecture mode</source>
        <translation>강의 모드의 테마</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>속도</translation>
    </message>
    <message>
        <source>Presenter scale (lecture mode)</source>
        <translation>발표 배율 (강의 모드)</translation>
    </message>
    <message>
        <source>Reset to defaults</source>
        <translation>기본값으로 되돌리기</translation>
    </message>
</context>
<context>
    <name>ProgramConsole</name>
    <message>
        <source>Type a line for {name}, then Enter</source>
        <translation>{name}에 보낼 줄을 입력하고 Enter</translation>
    </message>
    <message>
        <source>End input (Ctrl+D)</source>
        <translation>입력 끝 (Ctrl+D)</translation>
    </message>
</context>
<context>
    <name>ProgramsDialog</name>
    <message>
        <source>Run programs</source>
        <translation>프로그램 실행</translation>
    </message>
    <message>
        <source>Each program runs as you would run it in a terminal, and every socket call it makes is on the diagram. They start in this order: each one once the one before it is waiting in a call (a server in accept()) or listening.</source>
        <translation>각 프로그램은 터미널에서 실행하듯 실행되고, 모든 소켓 호출이 다이어그램에 나타납니다. 이 순서대로 시작합니다: 앞의 프로그램이 호출에서 기다리거나(accept()의 서버) listen 중이 되면 다음 프로그램이 시작합니다.</translation>
    </message>
    <message>
        <source>python3 server.py 5050   or   ./client 127.0.0.1</source>
        <translation>python3 server.py 5050   또는   ./client 127.0.0.1</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>추가</translation>
    </message>
    <message>
        <source>Python file…</source>
        <translation>파이썬 파일…</translation>
    </message>
    <message>
        <source>Executable…</source>
        <translation>실행 파일…</translation>
    </message>
    <message>
        <source>nc as a client of my server</source>
        <translation>내 서버의 클라이언트로 nc</translation>
    </message>
    <message>
        <source>curl GET /</source>
        <translation>curl GET /</translation>
    </message>
    <message>
        <source>python3 -m http.server as a server for my client</source>
        <translation>내 클라이언트의 서버로 python3 -m http.server</translation>
    </message>
    <message>
        <source>The notes&apos; programs (C): a copy to edit</source>
        <translation>노트의 프로그램 (C): 고쳐 볼 복사본</translation>
    </message>
    <message>
        <source>port</source>
        <translation>포트</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>위로</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>아래로</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>빼기</translation>
    </message>
    <message>
        <source>Run in folder</source>
        <translation>실행할 폴더</translation>
    </message>
    <message>
        <source>Add a program</source>
        <translation>프로그램 추가</translation>
    </message>
    <message>
        <source>Ready-made</source>
        <translation>준비된 항목</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>실행</translation>
    </message>
    <message>
        <source>Copied {files} to {folder}: edit them there and press Run; a changed program is compiled again (cc -g) when it runs.</source>
        <translation>{files}을(를) {folder}에 복사했습니다. 거기서 고친 뒤 실행을 누르세요. 바뀐 프로그램은 실행할 때 다시 컴파일됩니다(cc -g).</translation>
    </message>
    <message>
        <source>{folder} already has {files}: your copies are used as they are.</source>
        <translation>{folder}에 이미 {files}이(가) 있습니다. 여러분의 복사본을 그대로 씁니다.</translation>
    </message>
    <message>
        <source>A Python program</source>
        <translation>파이썬 프로그램</translation>
    </message>
    <message>
        <source>Python (*.py)</source>
        <translation>파이썬 (*.py)</translation>
    </message>
    <message>
        <source>A program</source>
        <translation>프로그램</translation>
    </message>
    <message>
        <source>{folder}: no such folder</source>
        <translation>{folder}: 그런 폴더가 없습니다</translation>
    </message>
    <message>
        <source>{file}: no such Python file in {folder}</source>
        <translation>{file}: {folder}에 그런 파이썬 파일이 없습니다</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>다음에서 찾기(&amp;L):</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>파일 형식(&amp;T):</translation>
    </message>
</context>
<context>
    <name>QuestionDialog</name>
    <message>
        <source>Predict</source>
        <translation>예측해 보세요</translation>
    </message>
    <message>
        <source>Esc: skip this step</source>
        <translation>Esc: 이 단계 건너뛰기</translation>
    </message>
</context>
<context>
    <name>RunMessages</name>
    <message>
        <source>blocked</source>
        <translation>블로킹</translation>
    </message>
    <message>
        <source>running</source>
        <translation>실행 중</translation>
    </message>
    <message>
        <source>The run has stopped.</source>
        <translation>실행이 멈췄습니다.</translation>
    </message>
    <message>
        <source>{actor} is blocked in {op}(): it cannot move until another actor&apos;s call wakes it.</source>
        <translation>{actor}: {op}()에서 블로킹되어 있습니다. 다른 액터의 호출이 깨울 때까지 움직일 수 없습니다.</translation>
    </message>
    <message>
        <source>{actor} has finished.</source>
        <translation>{actor}: 이미 끝났습니다.</translation>
    </message>
    <message>
        <source>{actor} has not started yet.</source>
        <translation>{actor}: 아직 시작하지 않았습니다.</translation>
    </message>
    <message>
        <source>{actor} starts when {other} reaches {op}().</source>
        <translation>{actor}: {other}의 실행이 {op}()에 이르면 시작합니다.</translation>
    </message>
    <message>
        <source>{actor} starts when {other} has returned from {op}().</source>
        <translation>{actor}: {other}의 {op}() 호출이 반환되면 시작합니다.</translation>
    </message>
    <message>
        <source>{actor} starts when {other} has finished.</source>
        <translation>{actor}: {other}의 실행이 끝나면 시작합니다.</translation>
    </message>
    <message>
        <source>{actor} is still running {op}().</source>
        <translation>{actor}: 아직 {op}() 호출을 실행 중입니다.</translation>
    </message>
    <message>
        <source>{actor}&apos;s next call is already released.</source>
        <translation>{actor}: 다음 호출은 이미 통과했습니다.</translation>
    </message>
    <message>
        <source>No actor is waiting to make a call.</source>
        <translation>호출하려고 기다리는 액터가 없습니다.</translation>
    </message>
    <message>
        <source>{actor} is {status} in {op}()</source>
        <translation>{actor}: {op}()에서 {status}</translation>
    </message>
    <message>
        <source>No actor is waiting at its gate: {list}.</source>
        <translation>게이트에서 기다리는 액터가 없습니다: {list}.</translation>
    </message>
    <message>
        <source>; </source>
        <translation>; </translation>
    </message>
    <message>
        <source>The run&apos;s process called {call}({status}) at {where}; the kernel closed its sockets. The trace so far is kept.</source>
        <translation>실행 프로세스가 {where}에서 {call}({status})을 호출했습니다. 커널이 그 소켓들을 닫았습니다. 지금까지의 트레이스는 그대로 남아 있습니다.</translation>
    </message>
    <message>
        <source>The run&apos;s process exited with status {status} before the run ended; the kernel closed its sockets. The trace so far is kept.</source>
        <translation>실행 프로세스가 실행이 끝나기 전에 종료했습니다(종료 상태 {status}). 커널이 그 소켓들을 닫았습니다. 지금까지의 트레이스는 그대로 남아 있습니다.</translation>
    </message>
    <message>
        <source>The run&apos;s process was killed by {signal}; the kernel closed its sockets. The trace so far is kept.</source>
        <translation>실행 프로세스가 {signal} 시그널로 강제 종료되었습니다. 커널이 그 소켓들을 닫았습니다. 지금까지의 트레이스는 그대로 남아 있습니다.</translation>
    </message>
    <message>
        <source>The run did not stop within 1 s: its process was killed ({signal}) and the kernel closed its sockets.</source>
        <translation>실행이 1초 안에 멈추지 않아 그 프로세스를 강제 종료({signal})했습니다. 커널이 그 소켓들을 닫았습니다.</translation>
    </message>
    <message>
        <source>The run could not start: {reason}</source>
        <translation>실행을 시작할 수 없습니다: {reason}</translation>
    </message>
</context>
<context>
    <name>ScenarioPicker</name>
    <message>
        <source>TCP basics</source>
        <translation>TCP 기초</translation>
    </message>
    <message>
        <source>UDP</source>
        <translation>UDP</translation>
    </message>
    <message>
        <source>Failures</source>
        <translation>실패와 오류</translation>
    </message>
    <message>
        <source>Advanced</source>
        <translation>심화</translation>
    </message>
    <message>
        <source>Your lessons</source>
        <translation>내 수업</translation>
    </message>
    <message>
        <source>What to notice</source>
        <translation>눈여겨볼 점</translation>
    </message>
    <message>
        <source>Choose a lesson</source>
        <translation>수업 고르기</translation>
    </message>
</context>
<context>
    <name>SequenceDiagram</name>
    <message>
        <source>child of {parent}</source>
        <translation>{parent}의 자식 프로세스</translation>
    </message>
    <message>
        <source>thread of {parent}</source>
        <translation>{parent}의 스레드</translation>
    </message>
    <message>
        <source>{call} × {n}</source>
        <translation>{call} × {n}</translation>
    </message>
    <message>
        <source>blocked {seconds} s</source>
        <translation>블로킹 {seconds}초</translation>
    </message>
    <message>
        <source>blocked</source>
        <translation>블로킹</translation>
    </message>
    <message>
        <source>blocked {duration}</source>
        <translation>블로킹 {duration}</translation>
    </message>
    <message>
        <source>no blocking observed</source>
        <translation>블로킹은 관측되지 않음</translation>
    </message>
    <message>
        <source>{op}() returns</source>
        <translation>{op}() 반환</translation>
    </message>
    <message>
        <source>? 1 datagram: dropped, or read by recv()</source>
        <translation>? 데이터그램 1개: 버려졌거나 recv()가 읽음</translation>
    </message>
    <message>
        <source>? {n} datagrams: dropped, or read by recv()</source>
        <translation>? 데이터그램 {n}개: 버려졌거나 recv()가 읽음</translation>
    </message>
    <message>
        <source>✗ {n} datagrams dropped by the kernel</source>
        <translation>✗ 커널이 데이터그램 {n}개를 버림</translation>
    </message>
    <message>
        <source>✗ 1 datagram dropped by the kernel</source>
        <translation>✗ 커널이 데이터그램 1개를 버림</translation>
    </message>
    <message>
        <source>next: {op}()   ▸ step</source>
        <translation>다음: {op}()   ▸ 한 단계</translation>
    </message>
    <message>
        <source>next: {op}()</source>
        <translation>다음: {op}()</translation>
    </message>
    <message>
        <source>lesson line {n}</source>
        <translation>수업 파일 {n}번째 줄</translation>
    </message>
    <message>
        <source>identical calls, folded: click or press Enter to unfold</source>
        <translation>똑같은 호출을 접어 둠: 클릭하거나 Enter를 누르면 펼침</translation>
    </message>
    <message>
        <source>{actor}: click to step this actor</source>
        <translation>{actor}: 누르면 이 액터가 한 단계 진행</translation>
    </message>
    <message>
        <source>{seconds} s</source>
        <translation>{seconds}초</translation>
    </message>
</context>
<context>
    <name>Session</name>
    <message>
        <source>This is a recorded trace: there is nothing more to run.</source>
        <translation>기록된 트레이스입니다: 더 실행할 것이 없습니다.</translation>
    </message>
    <message>
        <source>{op}() to {address} refused: SocketScope only uses loopback addresses (127.0.0.0/8, ::1, localhost) so that no packet leaves this machine</source>
        <translation>{address}(으)로의 {op}() 거부됨: SocketScope는 어떤 패킷도 이 컴퓨터 밖으로 나가지 않도록 루프백 주소(127.0.0.0/8, ::1, localhost)만 사용합니다</translation>
    </message>
</context>
<context>
    <name>SocketInspector</name>
    <message>
        <source>Select a call or a socket</source>
        <translation>호출이나 소켓을 선택하세요</translation>
    </message>
    <message>
        <source>Socket</source>
        <translation>소켓</translation>
    </message>
    <message>
        <source>fd</source>
        <translation>fd</translation>
    </message>
    <message>
        <source>type</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>local address</source>
        <translation>로컬 주소</translation>
    </message>
    <message>
        <source>peer address</source>
        <translation>상대 주소</translation>
    </message>
    <message>
        <source>state</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>options set</source>
        <translation>설정한 옵션</translation>
    </message>
    <message>
        <source>Kernel queues</source>
        <translation>커널 큐</translation>
    </message>
    <message>
        <source>receive queue</source>
        <translation>수신 큐</translation>
    </message>
    <message>
        <source>send queue</source>
        <translation>송신 큐</translation>
    </message>
    <message>
        <source>accept queue</source>
        <translation>accept 큐</translation>
    </message>
    <message>
        <source>Bytes of this call</source>
        <translation>이 호출의 바이트</translation>
    </message>
    <message>
        <source>The stream so far (each send shaded)</source>
        <translation>지금까지의 스트림 (send마다 음영)</translation>
    </message>
    <message>
        <source>Socket fd {fd} of {actor}</source>
        <translation>{actor}의 소켓 fd {fd}</translation>
    </message>
    <message>
        <source>A socket of {actor}</source>
        <translation>{actor}의 소켓</translation>
    </message>
    <message>
        <source>{op}() blocked: {evidence}</source>
        <translation>{op}() 블로킹: {evidence}</translation>
    </message>
    <message>
        <source>not available on this system</source>
        <translation>이 시스템에서는 알 수 없음</translation>
    </message>
    <message>
        <source>(closed)</source>
        <translation>(닫힘)</translation>
    </message>
    <message>
        <source>not bound yet</source>
        <translation>아직 bind되지 않음</translation>
    </message>
    <message>
        <source>{state} (UDP has no connection state)</source>
        <translation>{state} (UDP에는 연결 상태가 없음)</translation>
    </message>
    <message>
        <source>blocking</source>
        <translation>블로킹</translation>
    </message>
    <message>
        <source>non-blocking</source>
        <translation>논블로킹</translation>
    </message>
    <message>
        <source>timeout {seconds} s</source>
        <translation>타임아웃 {seconds}초</translation>
    </message>
    <message>
        <source>closed: no fd to ask the kernel about</source>
        <translation>닫힘: 커널에 물어볼 fd가 없음</translation>
    </message>
    <message>
        <source>A closed listener has no accept queue.</source>
        <translation>닫힌 리스닝 소켓에는 accept 큐가 없습니다.</translation>
    </message>
    <message>
        <source>bytes</source>
        <translation>바이트</translation>
    </message>
    <message>
        <source>TCP state and queue lengths: {na}</source>
        <translation>TCP 상태와 큐 길이: {na}</translation>
    </message>
    <message>
        <source>A listening socket queues connections, not bytes.</source>
        <translation>리스닝 소켓은 바이트가 아니라 연결을 큐에 쌓습니다.</translation>
    </message>
    <message>
        <source>CLOSED: not connected and not listening, so the kernel keeps no queues for it.</source>
        <translation>CLOSED: 연결되지도, 리스닝 중이지도 않으므로 커널이 이 소켓의 큐를 두지 않습니다.</translation>
    </message>
    <message>
        <source>UDP receive queue: {na}</source>
        <translation>UDP 수신 큐: {na}</translation>
    </message>
    <message>
        <source>UDP receive queue: the bytes the kernel charges for the queued datagrams (as ss shows Recv-Q), each with its buffer&apos;s overhead.</source>
        <translation>UDP 수신 큐: 큐에 쌓인 데이터그램에 커널이 매기는 바이트 수입니다(ss의 Recv-Q와 같음). 데이터그램마다 버퍼 오버헤드가 포함됩니다.</translation>
    </message>
    <message>
        <source>Next datagram: {na}</source>
        <translation>다음 데이터그램: {na}</translation>
    </message>
    <message>
        <source>Next datagram: none queued.</source>
        <translation>다음 데이터그램: 큐에 없음.</translation>
    </message>
    <message>
        <source>Next datagram: {n} bytes of payload (FIONREAD).</source>
        <translation>다음 데이터그램: 페이로드 {n}바이트 (FIONREAD).</translation>
    </message>
    <message>
        <source>The accept queue is of {actor}&apos;s listener (fd {fd}).</source>
        <translation>accept 큐는 {actor}의 리스닝 소켓(fd {fd})의 것입니다.</translation>
    </message>
    <message>
        <source>connections</source>
        <translation>연결</translation>
    </message>
    <message>
        <source>queue lengths: {na}</source>
        <translation>큐 길이: {na}</translation>
    </message>
    <message>
        <source>Linux admits backlog + 1 = {n} connections before accept()</source>
        <translation>리눅스는 accept() 전에 accept 큐에 backlog + 1 = {n}개까지 연결을 넣어 둡니다</translation>
    </message>
    <message>
        <source>accept queue: {na}</source>
        <translation>accept 큐: {na}</translation>
    </message>
    <message>
        <source>(first part only)</source>
        <translation>(앞부분만)</translation>
    </message>
    <message>
        <source>Bytes of this {op}(): {n} bytes</source>
        <translation>이 {op}()의 바이트: {n}바이트</translation>
    </message>
    <message>
        <source>The trace did not keep these bytes.</source>
        <translation>트레이스에 이 바이트가 저장되지 않았습니다.</translation>
    </message>
    <message>
        <source>This call moved no bytes.</source>
        <translation>이 호출은 바이트를 옮기지 않았습니다.</translation>
    </message>
    <message>
        <source>The stream so far</source>
        <translation>지금까지의 스트림</translation>
    </message>
    <message>
        <source>Not a connected TCP socket: no byte stream.</source>
        <translation>연결된 TCP 소켓이 아닙니다: 바이트 스트림이 없습니다.</translation>
    </message>
    <message>
        <source>Stream client → server: {n} bytes, 1 send</source>
        <translation>스트림 클라이언트 → 서버: {n}바이트, send 1번</translation>
    </message>
    <message>
        <source>Stream server → client: {n} bytes, 1 send</source>
        <translation>스트림 서버 → 클라이언트: {n}바이트, send 1번</translation>
    </message>
    <message>
        <source>Stream client → server: {n} bytes, {sends} sends</source>
        <translation>스트림 클라이언트 → 서버: {n}바이트, send {sends}번</translation>
    </message>
    <message>
        <source>Stream server → client: {n} bytes, {sends} sends</source>
        <translation>스트림 서버 → 클라이언트: {n}바이트, send {sends}번</translation>
    </message>
    <message>
        <source>(large: only the first bytes of each send are kept)</source>
        <translation>(큼: send마다 앞쪽 바이트만 보관)</translation>
    </message>
    <message>
        <source>No bytes sent yet.</source>
        <translation>아직 보낸 바이트가 없습니다.</translation>
    </message>
</context>
<context>
    <name>SocketTableModel</name>
    <message>
        <source>actor</source>
        <translation>액터</translation>
    </message>
    <message>
        <source>type</source>
        <translation>종류</translation>
    </message>
    <message>
        <source>local</source>
        <translation>로컬</translation>
    </message>
    <message>
        <source>peer</source>
        <translation>상대</translation>
    </message>
    <message>
        <source>state</source>
        <translation>상태</translation>
    </message>
    <message>
        <source>recv-q</source>
        <translation>수신 큐</translation>
    </message>
    <message>
        <source>send-q</source>
        <translation>송신 큐</translation>
    </message>
    <message>
        <source>accept-q</source>
        <translation>accept 큐</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>닫힘</translation>
    </message>
    <message>
        <source>bound</source>
        <translation>bind됨</translation>
    </message>
    <message>
        <source>unbound</source>
        <translation>bind 전</translation>
    </message>
</context>
<context>
    <name>StatusLine</name>
    <message>
        <source>{actor}&apos;s {op}() never returned: the process it ran in has ended.</source>
        <translation>{actor}의 {op}()는 반환되지 못했습니다: 그 호출이 실행되던 프로세스가 끝났습니다.</translation>
    </message>
    <message>
        <source>{actor} crashed: {error}</source>
        <translation>{actor}이(가) 비정상 종료했습니다: {error}</translation>
    </message>
    <message>
        <source>{actor}&apos;s {op}() waits on an actor that is dead: it will never return.</source>
        <translation>{actor}의 {op}()는 이미 죽은 액터를 기다리고 있어 영원히 반환되지 않습니다.</translation>
    </message>
    <message>
        <source>Reset (Ctrl+R) runs the lesson again.</source>
        <translation>초기화(Ctrl+R)하면 수업을 다시 실행합니다.</translation>
    </message>
    <message>
        <source>Press Space to run, → to step</source>
        <translation>Space: 실행, →: 한 단계씩</translation>
    </message>
    <message>
        <source>Space: run   →: step</source>
        <translation>Space: 실행   →: 한 단계</translation>
    </message>
</context>
<context>
    <name>StudyMode</name>
    <message>
        <source>⏳ {op}() is blocked: the answer comes when it returns.</source>
        <translation>⏳ {op}()에서 블로킹됨: 답은 호출이 돌아올 때 나옵니다.</translation>
    </message>
    <message>
        <source>{op}() never returned: this question is not scored.</source>
        <translation>{op}() 호출은 끝내 돌아오지 않았습니다: 이 질문은 채점하지 않습니다.</translation>
    </message>
    <message>
        <source>✓ Right: {truth}.</source>
        <translation>✓ 맞았습니다: {truth}.</translation>
    </message>
    <message>
        <source>✗ Not quite: {truth}.</source>
        <translation>✗ 아쉽습니다: {truth}.</translation>
    </message>
</context>
<context>
    <name>Theme</name>
    <message>
        <source>Follow the system</source>
        <translation>시스템 설정을 따름</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>밝게</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>어둡게</translation>
    </message>
    <message>
        <source>High contrast (projector)</source>
        <translation>고대비 (프로젝터용)</translation>
    </message>
</context>
<context>
    <name>WireControls</name>
    <message>
        <source>Show packets</source>
        <translation>패킷 보기</translation>
    </message>
    <message>
        <source>Packets</source>
        <translation>패킷</translation>
    </message>
    <message>
        <source>Calls only, or calls and the real packets they made the kernel send (P)</source>
        <translation>호출만, 또는 호출과 그 호출로 커널이 보낸 실제 패킷까지 (P)</translation>
    </message>
    <message>
        <source>Packets as pcapng (Wireshark)…</source>
        <translation>패킷을 pcapng로 (Wireshark)…</translation>
    </message>
</context>
</TS>
