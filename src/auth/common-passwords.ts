/**
 * Passwords too common to accept, stored lower-case (checkPassword lower-cases before looking).
 *
 * Where such lists come from: the passwords leaked in public breaches (RockYou in 2009, and the
 * yearly "most common passwords" tallies made from later dumps), which attackers try first.
 * This list was written from those well-known top entries without network access, so it is
 * neither complete nor exact; what matters is that the first guesses of any attacker are in it.
 *
 * Two parts:
 * - COMMON: the classic top of the lists — numbers, keyboard walks (qwerty, 1qaz2wsx), names,
 *   teams, words. Most of these already fail the composition rules; the list still protects a
 *   deployment that relaxes them.
 * - DRESSED_UP: the same favourite words dressed up to pass composition rules ("Password1!",
 *   "P@ssw0rd1234", "Welcome@2024", "Qwerty123!"). These are why the check matters even with
 *   the default policy.
 *
 * A deployment will later be able to extend the list (e.g. with a file of its own, or the
 * company and product names people use); until then, add entries here.
 */

const COMMON = `
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball
abc123 football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890
michael 654321 superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer trustno1 jordan
jennifer zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger sunshine iloveyou 2000
charlie robert thomas hockey ranger daniel starwars klaster 112233 george computer michelle
jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777 pass maggie 159753 aaaaaa
ginger princess joshua cheese amanda summer love ashley 6969 nicole chelsea biteme matthew
access yankees 987654321 dallas austin thunder taylor matrix minecraft william corvette hello
martin heather secret merlin diamond 1234qwer gfhjkm hammer silver 222222 88888888 anthony
justin test bailey q1w2e3r4t5 patrick internet scooter orange 11111 golfer cookie richard
samantha bigdog guitar jackson whatever mickey chicken sparky snoopy maverick phoenix camaro
peanut morgan welcome falcon cowboy ferrari samsung andrea smokey steelers joseph mercedes
dakota arsenal eagles melissa boomer booboo spider nascar monster tigers yellow xxxxxx 123123123
gateway marina diablo bulldog qwer1234 compaq purple hardcore banana junior hannah 123654
porsche lakers iceman money cowboys 987654 london tennis 999999 ncc1701 coffee scooby 0000
miller boston q1w2e3r4 brandon yamaha chester mother forever johnny edward 333333 oliver redsox
player nikita knight fender barney midnight please brandy chicago badboy slayer rangers charles
angel flower rabbit wizard jasmine 123abc qwe123 rainbow 1q2w3e4r5t blink182 1q2w3e4r 1q2w3e
12341234 aa123456 password1 password123 passw0rd p@ssw0rd p@ssword pa$$word admin admin123
administrator root toor changeme default guest user login welcome1 welcome123 letmein1 abcd1234
abcdef abc12345 qwerty123 qwerty1 qwertyui azerty azertyuiop 1qazxsw2 zaq12wsx zaq1zaq1 !qaz2wsx
1qaz@wsx qazwsxedc 147258369 147258 159357 741852963 789456123 789456 456789 123654789 963852741
1q2w3e4r5t6y asdf asdfghjkl asdf1234 zxcv1234 qweasd qweasdzxc 1qaz2wsx3edc 12qwaszx q1w2e3
qwert iloveyou1 iloveyou2 iloveu loveyou lovely love123 babygirl princess1 angel1 sunshine1
monkey1 dragon1 football1 baseball1 shadow1 master1 superman1 batman1 jordan23 michael1 jessica1
ashley1 charlie1 daniel1 nicole1 hello123 hello1 test123 test1 testing 1234abcd a123456 a1b2c3
a1b2c3d4 abc123456 123456a 123456q 123qweasd 1234qwerty 12345qwert 123456abc qwerty12 qwerty1234
qwerty12345 password12 password1234 password2 password! pass123 pass1234 passpass secret1
secret123 123456789a 1234567a 12345a omgpop 666666666 11111111111 1111111 0987654321 987654321a
00000000 12121212 112233445566 123456123456 696969696 55555555 99999999 7777777777 10203040
102030 101010 121212121 123456654321 111222 1212 2222 3333 4444 5555 6666 7777 8888 9999
12344321 11223344 qwertyuiop123 zxcvbnm123 asdfghjkl123 football123 baseball123 soccer1 hockey1
basketball volleyball lacrosse skateboard surfing fishing hunting golf tennis1 chelsea1
liverpool arsenal1 manchester barcelona realmadrid juventus milan bayern celtic rangers1 dolphin
dolphins elephant lion tiger panther panthers jaguar leopard wolf wolves eagle falcons hawks
ravens cardinals bears packers vikings giants jets patriots broncos raiders chiefs chargers
seahawks redskins steelers1 cowboys1 yankees1 redsox1 mets dodgers cubs braves lakers1 bulls
celtics knicks heat spurs warriors canucks leafs bruins flyers penguins blackhawks mustang1
ferrari1 porsche1 corvette1 camaro1 chevy ford bmw mercedes1 toyota honda nissan mazda audi
volvo jeep harley1 yamaha1 kawasaki ducati suzuki ninja pokemon pikachu naruto goku vegeta
sasuke onepiece dragonball sailormoon hellokitty doraemon totoro starwars1 jedi skywalker vader
yoda chewbacca startrek spock batman123 superman123 spiderman ironman hulk thor avengers marvel
wolverine deadpool joker harrypotter hermione gandalf frodo legolas matrix1 neo zelda mario
luigi sonic tetris minecraft1 fortnite roblox halo zelda1 warcraft starcraft diablo1
counterstrike cs16 gamer gaming xbox playstation nintendo sega computer1 internet1 windows linux
ubuntu debian apple macintosh iphone android google yahoo hotmail gmail facebook twitter
instagram myspace youtube netflix amazon microsoft oracle cisco dell lenovo samsung1 nokia
motorola sony sony123 office server network system system32 database letmein123 access14 access1
alpha beta gamma delta omega sigma zeta alpha123 charlie123 bravo echo foxtrot tango sierra
whiskey vodka tequila beer beer123 wine cocacola pepsi coffee1 chocolate cookies candy sugar
honey cupcake cherry apple123 banana1 orange1 lemon mango peach strawberry blueberry pumpkin
pepper1 ginger1 cinnamon vanilla butter butterfly flower1 flowers rose roses daisy lily tulip
jasmine1 violet iris lotus sunflower rainbow1 sunset sunrise moon moonlight starlight star stars
galaxy universe planet earth mars jupiter saturn venus mercury pluto heaven hell angel123 angels
devil demon god jesus jesus1 christ faith hope grace blessed blessing trinity genesis bible
church amen hallelujah freedom1 liberty justice america usa canada mexico england france germany
italy spain japan china india brazil russia australia newyork losangeles california texas
florida chicago1 boston1 dallas1 houston seattle denver atlanta miami vegas hawaii paris london1
berlin tokyo moscow toronto sydney family family1 friends friend friendship lover lovers loveme
love1 love12 ilove iloveyou! iloveyou123 mylove myangel mybaby baby baby123 babyboy sweet
sweetie sweetheart sweety honey123 darling beautiful pretty cute cutie sexy sexy123 hottie
hotstuff kisses kiss hugs forever1 always together soulmate destiny fate heart hearts passion
romance valentine summer1 winter winter1 spring autumn fall december january february march
april may june july august september october november monday friday sunday weekend holiday
christmas xmas easter halloween birthday newyear happy happy1 smile smiles funny crazy crazy1
killer1 hunter1 ranger1 soldier warrior ninja1 samurai knight1 king queen prince princess123
lady lord master123 boss chief captain major general admiral pilot doctor nurse teacher student
police fireman firefighter army navy marine marines airforce sniper shooter gunner rocket
rockstar rock roll music music1 guitar1 piano drums singer dance dancer dancing jazz blues metal
metallica slipknot nirvana linkinpark eminem tupac 50cent beatles elvis madonna britney beyonce
rihanna shakira justin1 bieber onedirection zxc123 zxc zxcvb qaz123 wsx123 123zxc 123asd asd123
asdasd qweqwe zxczxc aaaaaaaa aaaaa abcabc abc abcd abcde abcdefg abcdefgh 1a2b3c ab123 aa12345
a12345 a1234567 a12345678 qq123456 q123456 z123456 zz123456 1qaz 2wsx 3edc 4rfv qazxsw xswzaq
mnbvcxz poiuytrewq lkjhgfdsa 0okm9ijn 1q2w3e4r5t6y7u8i9o0p qwertyu asdfg zxcvbnm1 qwerty!
qwerty@ 1234567890q qazwsx123 qwe123qwe 123qwe123 1qa2ws3ed qwerasdf qwerasdfzxcv superstar
superman2 supergirl superhero hero legend legends champion champ winner winning victory success
lucky lucky7 lucky13 seven 777 number1 numberone 1234554321 11112222 password01 password11
password99 pass1 pass12 word mypassword mypass yourpassword nopassword nopass passwort
motdepasse contrasena senha parola wachtwoord haslo salasana lozinka heslo jelszo 1234qwerasdf
qwer1234asdf fuckyou fuckoff shit asshole bitch bastard damn dick cock pussy penis sex sexy1
porn horny naked boobs tits playboy hustler slut whore 69696969 fucker fuckme letmein! open
opensesame sesame secret! hidden private confidential security secure protect protected safe
safety unknown nothing none nobody someone somebody anything everything whatever1 idontknow
dontknow noidea forget forgot forgotten remember memory changeme1 changeme123 temp temp123
temporary tmp new newpass newpassword newuser user1 user123 username admin1 admin12 admin1234
adminadmin administrator1 root123 rootroot toor123 sysadmin webmaster webadmin manager support
service operator oracle123 postgres mysql sql sa guest123 demo demo123 sample example test1234
testtest tester qa developer dev devops deploy backup michael123 jennifer1 jessica123 ashley123
amanda1 samantha1 sarah sarah1 emily emma olivia sophia isabella ava mia abigail madison
elizabeth chloe natalie grace1 lily1 hannah1 alexis alexandra alex alexander alex123 andrew1
anthony1 christopher chris chris123 david david1 james james1 john john123 johnson joseph1
joshua1 justin123 kevin matthew1 nicholas robert1 ryan steven thomas1 tyler william1 brian jason
jason1 eric mark paul peter richard1 scott jeff charles1 daniel123 jonathan jordan1 austin1
brandon1 dylan ethan jacob logan mason noah liam lucas benjamin samuel nathan adam aaron
patrick1 sean shawn brittany tiffany crystal stephanie heather1 melissa1 rachel rebecca laura
lauren megan amber kimberly michelle1 nicole123 danielle victoria veronica monica angela
angelina diana maria mariana carlos jose juan luis miguel antonio francisco pedro pablo manuel
fernando roberto ricardo eduardo alejandro mohammed ahmed ali omar hassan
`;

const DRESSED_UP = `
password1! password12! password123! password1234! password12345! password@1 password@12
password@123 password@1234 password#1 password#123 password!1 password!123 password!@#
password123!@# password1@ password1# password123# password1234@ password01! password99!
password@2019 password2019! password#2019 password@2020 password2020! password#2020
password@2021 password2021! password#2021 password@2022 password2022! password#2022
password@2023 password2023! password#2023 password@2024 password2024! password#2024
password@2025 password2025! password#2025 password@2026 password2026! password#2026 p@ssw0rd!
p@ssw0rd1! p@ssw0rd12! p@ssw0rd123! p@ssw0rd1234! p@ssw0rd12345! p@ssw0rd@1 p@ssw0rd@12
p@ssw0rd@123 p@ssw0rd@1234 p@ssw0rd#1 p@ssw0rd#123 p@ssw0rd!1 p@ssw0rd!123 p@ssw0rd!@#
p@ssw0rd123!@# p@ssw0rd1@ p@ssw0rd1# p@ssw0rd123# p@ssw0rd1234@ p@ssw0rd01! p@ssw0rd99!
p@ssw0rd@2019 p@ssw0rd2019! p@ssw0rd#2019 p@ssw0rd@2020 p@ssw0rd2020! p@ssw0rd#2020
p@ssw0rd@2021 p@ssw0rd2021! p@ssw0rd#2021 p@ssw0rd@2022 p@ssw0rd2022! p@ssw0rd#2022
p@ssw0rd@2023 p@ssw0rd2023! p@ssw0rd#2023 p@ssw0rd@2024 p@ssw0rd2024! p@ssw0rd#2024
p@ssw0rd@2025 p@ssw0rd2025! p@ssw0rd#2025 p@ssw0rd@2026 p@ssw0rd2026! p@ssw0rd#2026 p@ssword!
p@ssword1! p@ssword12! p@ssword123! p@ssword1234! p@ssword12345! p@ssword@1 p@ssword@12
p@ssword@123 p@ssword@1234 p@ssword#1 p@ssword#123 p@ssword!1 p@ssword!123 p@ssword!@#
p@ssword123!@# p@ssword1@ p@ssword1# p@ssword123# p@ssword1234@ p@ssword01! p@ssword99!
p@ssword@2019 p@ssword2019! p@ssword#2019 p@ssword@2020 p@ssword2020! p@ssword#2020
p@ssword@2021 p@ssword2021! p@ssword#2021 p@ssword@2022 p@ssword2022! p@ssword#2022
p@ssword@2023 p@ssword2023! p@ssword#2023 p@ssword@2024 p@ssword2024! p@ssword#2024
p@ssword@2025 p@ssword2025! p@ssword#2025 p@ssword@2026 p@ssword2026! p@ssword#2026 passw0rd!
passw0rd1! passw0rd12! passw0rd123! passw0rd1234! passw0rd12345! passw0rd@1 passw0rd@12
passw0rd@123 passw0rd@1234 passw0rd#1 passw0rd#123 passw0rd!1 passw0rd!123 passw0rd!@#
passw0rd123!@# passw0rd1@ passw0rd1# passw0rd123# passw0rd1234@ passw0rd01! passw0rd99!
passw0rd@2019 passw0rd2019! passw0rd#2019 passw0rd@2020 passw0rd2020! passw0rd#2020
passw0rd@2021 passw0rd2021! passw0rd#2021 passw0rd@2022 passw0rd2022! passw0rd#2022
passw0rd@2023 passw0rd2023! passw0rd#2023 passw0rd@2024 passw0rd2024! passw0rd#2024
passw0rd@2025 passw0rd2025! passw0rd#2025 passw0rd@2026 passw0rd2026! passw0rd#2026 welcome!
welcome1! welcome12! welcome123! welcome1234! welcome12345! welcome@1 welcome@12 welcome@123
welcome@1234 welcome#1 welcome#123 welcome!1 welcome!123 welcome!@# welcome123!@# welcome1@
welcome1# welcome123# welcome1234@ welcome01! welcome99! welcome@2019 welcome2019! welcome#2019
welcome@2020 welcome2020! welcome#2020 welcome@2021 welcome2021! welcome#2021 welcome@2022
welcome2022! welcome#2022 welcome@2023 welcome2023! welcome#2023 welcome@2024 welcome2024!
welcome#2024 welcome@2025 welcome2025! welcome#2025 welcome@2026 welcome2026! welcome#2026
qwerty1! qwerty12! qwerty123! qwerty1234! qwerty12345! qwerty@1 qwerty@12 qwerty@123 qwerty@1234
qwerty#1 qwerty#123 qwerty!1 qwerty!123 qwerty!@# qwerty123!@# qwerty1@ qwerty1# qwerty123#
qwerty1234@ qwerty01! qwerty99! qwerty@2019 qwerty2019! qwerty#2019 qwerty@2020 qwerty2020!
qwerty#2020 qwerty@2021 qwerty2021! qwerty#2021 qwerty@2022 qwerty2022! qwerty#2022 qwerty@2023
qwerty2023! qwerty#2023 qwerty@2024 qwerty2024! qwerty#2024 qwerty@2025 qwerty2025! qwerty#2025
qwerty@2026 qwerty2026! qwerty#2026 admin! admin1! admin12! admin123! admin1234! admin12345!
admin@1 admin@12 admin@123 admin@1234 admin#1 admin#123 admin!1 admin!123 admin!@# admin123!@#
admin1@ admin1# admin123# admin1234@ admin01! admin99! admin@2019 admin2019! admin#2019
admin@2020 admin2020! admin#2020 admin@2021 admin2021! admin#2021 admin@2022 admin2022!
admin#2022 admin@2023 admin2023! admin#2023 admin@2024 admin2024! admin#2024 admin@2025
admin2025! admin#2025 admin@2026 admin2026! admin#2026 letmein1! letmein12! letmein123!
letmein1234! letmein12345! letmein@1 letmein@12 letmein@123 letmein@1234 letmein#1 letmein#123
letmein!1 letmein!123 letmein!@# letmein123!@# letmein1@ letmein1# letmein123# letmein1234@
letmein01! letmein99! letmein@2019 letmein2019! letmein#2019 letmein@2020 letmein2020!
letmein#2020 letmein@2021 letmein2021! letmein#2021 letmein@2022 letmein2022! letmein#2022
letmein@2023 letmein2023! letmein#2023 letmein@2024 letmein2024! letmein#2024 letmein@2025
letmein2025! letmein#2025 letmein@2026 letmein2026! letmein#2026 iloveyou1! iloveyou12!
iloveyou123! iloveyou1234! iloveyou12345! iloveyou@1 iloveyou@12 iloveyou@123 iloveyou@1234
iloveyou#1 iloveyou#123 iloveyou!1 iloveyou!123 iloveyou!@# iloveyou123!@# iloveyou1@ iloveyou1#
iloveyou123# iloveyou1234@ iloveyou01! iloveyou99! iloveyou@2019 iloveyou2019! iloveyou#2019
iloveyou@2020 iloveyou2020! iloveyou#2020 iloveyou@2021 iloveyou2021! iloveyou#2021
iloveyou@2022 iloveyou2022! iloveyou#2022 iloveyou@2023 iloveyou2023! iloveyou#2023
iloveyou@2024 iloveyou2024! iloveyou#2024 iloveyou@2025 iloveyou2025! iloveyou#2025
iloveyou@2026 iloveyou2026! iloveyou#2026 monkey! monkey1! monkey12! monkey123! monkey1234!
monkey12345! monkey@1 monkey@12 monkey@123 monkey@1234 monkey#1 monkey#123 monkey!1 monkey!123
monkey!@# monkey123!@# monkey1@ monkey1# monkey123# monkey1234@ monkey01! monkey99! monkey@2019
monkey2019! monkey#2019 monkey@2020 monkey2020! monkey#2020 monkey@2021 monkey2021! monkey#2021
monkey@2022 monkey2022! monkey#2022 monkey@2023 monkey2023! monkey#2023 monkey@2024 monkey2024!
monkey#2024 monkey@2025 monkey2025! monkey#2025 monkey@2026 monkey2026! monkey#2026 dragon!
dragon1! dragon12! dragon123! dragon1234! dragon12345! dragon@1 dragon@12 dragon@123 dragon@1234
dragon#1 dragon#123 dragon!1 dragon!123 dragon!@# dragon123!@# dragon1@ dragon1# dragon123#
dragon1234@ dragon01! dragon99! dragon@2019 dragon2019! dragon#2019 dragon@2020 dragon2020!
dragon#2020 dragon@2021 dragon2021! dragon#2021 dragon@2022 dragon2022! dragon#2022 dragon@2023
dragon2023! dragon#2023 dragon@2024 dragon2024! dragon#2024 dragon@2025 dragon2025! dragon#2025
dragon@2026 dragon2026! dragon#2026 sunshine! sunshine1! sunshine12! sunshine123! sunshine1234!
sunshine12345! sunshine@1 sunshine@12 sunshine@123 sunshine@1234 sunshine#1 sunshine#123
sunshine!1 sunshine!123 sunshine!@# sunshine123!@# sunshine1@ sunshine1# sunshine123#
sunshine1234@ sunshine01! sunshine99! sunshine@2019 sunshine2019! sunshine#2019 sunshine@2020
sunshine2020! sunshine#2020 sunshine@2021 sunshine2021! sunshine#2021 sunshine@2022
sunshine2022! sunshine#2022 sunshine@2023 sunshine2023! sunshine#2023 sunshine@2024
sunshine2024! sunshine#2024 sunshine@2025 sunshine2025! sunshine#2025 sunshine@2026
sunshine2026! sunshine#2026 football! football1! football12! football123! football1234!
football12345! football@1 football@12 football@123 football@1234 football#1 football#123
football!1 football!123 football!@# football123!@# football1@ football1# football123#
football1234@ football01! football99! football@2019 football2019! football#2019 football@2020
football2020! football#2020 football@2021 football2021! football#2021 football@2022
football2022! football#2022 football@2023 football2023! football#2023 football@2024
football2024! football#2024 football@2025 football2025! football#2025 football@2026
football2026! football#2026 princess! princess1! princess12! princess123! princess1234!
princess12345! princess@1 princess@12 princess@123 princess@1234 princess#1 princess#123
princess!1 princess!123 princess!@# princess123!@# princess1@ princess1# princess123#
princess1234@ princess01! princess99! princess@2019 princess2019! princess#2019 princess@2020
princess2020! princess#2020 princess@2021 princess2021! princess#2021 princess@2022
princess2022! princess#2022 princess@2023 princess2023! princess#2023 princess@2024
princess2024! princess#2024 princess@2025 princess2025! princess#2025 princess@2026
princess2026! princess#2026 summer! summer1! summer12! summer123! summer1234! summer12345!
summer@1 summer@12 summer@123 summer@1234 summer#1 summer#123 summer!1 summer!123 summer!@#
summer123!@# summer1@ summer1# summer123# summer1234@ summer01! summer99! summer@2019
summer2019! summer#2019 summer@2020 summer2020! summer#2020 summer@2021 summer2021! summer#2021
summer@2022 summer2022! summer#2022 summer@2023 summer2023! summer#2023 summer@2024 summer2024!
summer#2024 summer@2025 summer2025! summer#2025 summer@2026 summer2026! summer#2026 winter!
winter1! winter12! winter123! winter1234! winter12345! winter@1 winter@12 winter@123 winter@1234
winter#1 winter#123 winter!1 winter!123 winter!@# winter123!@# winter1@ winter1# winter123#
winter1234@ winter01! winter99! winter@2019 winter2019! winter#2019 winter@2020 winter2020!
winter#2020 winter@2021 winter2021! winter#2021 winter@2022 winter2022! winter#2022 winter@2023
winter2023! winter#2023 winter@2024 winter2024! winter#2024 winter@2025 winter2025! winter#2025
winter@2026 winter2026! winter#2026 spring! spring1! spring12! spring123! spring1234!
spring12345! spring@1 spring@12 spring@123 spring@1234 spring#1 spring#123 spring!1 spring!123
spring!@# spring123!@# spring1@ spring1# spring123# spring1234@ spring01! spring99! spring@2019
spring2019! spring#2019 spring@2020 spring2020! spring#2020 spring@2021 spring2021! spring#2021
spring@2022 spring2022! spring#2022 spring@2023 spring2023! spring#2023 spring@2024 spring2024!
spring#2024 spring@2025 spring2025! spring#2025 spring@2026 spring2026! spring#2026 autumn!
autumn1! autumn12! autumn123! autumn1234! autumn12345! autumn@1 autumn@12 autumn@123 autumn@1234
autumn#1 autumn#123 autumn!1 autumn!123 autumn!@# autumn123!@# autumn1@ autumn1# autumn123#
autumn1234@ autumn01! autumn99! autumn@2019 autumn2019! autumn#2019 autumn@2020 autumn2020!
autumn#2020 autumn@2021 autumn2021! autumn#2021 autumn@2022 autumn2022! autumn#2022 autumn@2023
autumn2023! autumn#2023 autumn@2024 autumn2024! autumn#2024 autumn@2025 autumn2025! autumn#2025
autumn@2026 autumn2026! autumn#2026 changeme! changeme1! changeme12! changeme123! changeme1234!
changeme12345! changeme@1 changeme@12 changeme@123 changeme@1234 changeme#1 changeme#123
changeme!1 changeme!123 changeme!@# changeme123!@# changeme1@ changeme1# changeme123#
changeme1234@ changeme01! changeme99! changeme@2019 changeme2019! changeme#2019 changeme@2020
changeme2020! changeme#2020 changeme@2021 changeme2021! changeme#2021 changeme@2022
changeme2022! changeme#2022 changeme@2023 changeme2023! changeme#2023 changeme@2024
changeme2024! changeme#2024 changeme@2025 changeme2025! changeme#2025 changeme@2026
changeme2026! changeme#2026 master! master1! master12! master123! master1234! master12345!
master@1 master@12 master@123 master@1234 master#1 master#123 master!1 master!123 master!@#
master123!@# master1@ master1# master123# master1234@ master01! master99! master@2019
master2019! master#2019 master@2020 master2020! master#2020 master@2021 master2021! master#2021
master@2022 master2022! master#2022 master@2023 master2023! master#2023 master@2024 master2024!
master#2024 master@2025 master2025! master#2025 master@2026 master2026! master#2026 superman!
superman1! superman12! superman123! superman1234! superman12345! superman@1 superman@12
superman@123 superman@1234 superman#1 superman#123 superman!1 superman!123 superman!@#
superman123!@# superman1@ superman1# superman123# superman1234@ superman01! superman99!
superman@2019 superman2019! superman#2019 superman@2020 superman2020! superman#2020
superman@2021 superman2021! superman#2021 superman@2022 superman2022! superman#2022
superman@2023 superman2023! superman#2023 superman@2024 superman2024! superman#2024
superman@2025 superman2025! superman#2025 superman@2026 superman2026! superman#2026 shadow!
shadow1! shadow12! shadow123! shadow1234! shadow12345! shadow@1 shadow@12 shadow@123 shadow@1234
shadow#1 shadow#123 shadow!1 shadow!123 shadow!@# shadow123!@# shadow1@ shadow1# shadow123#
shadow1234@ shadow01! shadow99! shadow@2019 shadow2019! shadow#2019 shadow@2020 shadow2020!
shadow#2020 shadow@2021 shadow2021! shadow#2021 shadow@2022 shadow2022! shadow#2022 shadow@2023
shadow2023! shadow#2023 shadow@2024 shadow2024! shadow#2024 shadow@2025 shadow2025! shadow#2025
shadow@2026 shadow2026! shadow#2026 freedom! freedom1! freedom12! freedom123! freedom1234!
freedom12345! freedom@1 freedom@12 freedom@123 freedom@1234 freedom#1 freedom#123 freedom!1
freedom!123 freedom!@# freedom123!@# freedom1@ freedom1# freedom123# freedom1234@ freedom01!
freedom99! freedom@2019 freedom2019! freedom#2019 freedom@2020 freedom2020! freedom#2020
freedom@2021 freedom2021! freedom#2021 freedom@2022 freedom2022! freedom#2022 freedom@2023
freedom2023! freedom#2023 freedom@2024 freedom2024! freedom#2024 freedom@2025 freedom2025!
freedom#2025 freedom@2026 freedom2026! freedom#2026 computer! computer1! computer12!
computer123! computer1234! computer12345! computer@1 computer@12 computer@123 computer@1234
computer#1 computer#123 computer!1 computer!123 computer!@# computer123!@# computer1@ computer1#
computer123# computer1234@ computer01! computer99! computer@2019 computer2019! computer#2019
computer@2020 computer2020! computer#2020 computer@2021 computer2021! computer#2021
computer@2022 computer2022! computer#2022 computer@2023 computer2023! computer#2023
computer@2024 computer2024! computer#2024 computer@2025 computer2025! computer#2025
computer@2026 computer2026! computer#2026 hello! hello1! hello12! hello123! hello1234!
hello12345! hello@1 hello@12 hello@123 hello@1234 hello#1 hello#123 hello!1 hello!123 hello!@#
hello123!@# hello1@ hello1# hello123# hello1234@ hello01! hello99! hello@2019 hello2019!
hello#2019 hello@2020 hello2020! hello#2020 hello@2021 hello2021! hello#2021 hello@2022
hello2022! hello#2022 hello@2023 hello2023! hello#2023 hello@2024 hello2024! hello#2024
hello@2025 hello2025! hello#2025 hello@2026 hello2026! hello#2026 secret1! secret12! secret123!
secret1234! secret12345! secret@1 secret@12 secret@123 secret@1234 secret#1 secret#123 secret!1
secret!123 secret!@# secret123!@# secret1@ secret1# secret123# secret1234@ secret01! secret99!
secret@2019 secret2019! secret#2019 secret@2020 secret2020! secret#2020 secret@2021 secret2021!
secret#2021 secret@2022 secret2022! secret#2022 secret@2023 secret2023! secret#2023 secret@2024
secret2024! secret#2024 secret@2025 secret2025! secret#2025 secret@2026 secret2026! secret#2026
login! login1! login12! login123! login1234! login12345! login@1 login@12 login@123 login@1234
login#1 login#123 login!1 login!123 login!@# login123!@# login1@ login1# login123# login1234@
login01! login99! login@2019 login2019! login#2019 login@2020 login2020! login#2020 login@2021
login2021! login#2021 login@2022 login2022! login#2022 login@2023 login2023! login#2023
login@2024 login2024! login#2024 login@2025 login2025! login#2025 login@2026 login2026!
login#2026 company! company1! company12! company123! company1234! company12345! company@1
company@12 company@123 company@1234 company#1 company#123 company!1 company!123 company!@#
company123!@# company1@ company1# company123# company1234@ company01! company99! company@2019
company2019! company#2019 company@2020 company2020! company#2020 company@2021 company2021!
company#2021 company@2022 company2022! company#2022 company@2023 company2023! company#2023
company@2024 company2024! company#2024 company@2025 company2025! company#2025 company@2026
company2026! company#2026 january! january1! january12! january123! january1234! january12345!
january@1 january@12 january@123 january@1234 january#1 january#123 january!1 january!123
january!@# january123!@# january1@ january1# january123# january1234@ january01! january99!
january@2019 january2019! january#2019 january@2020 january2020! january#2020 january@2021
january2021! january#2021 january@2022 january2022! january#2022 january@2023 january2023!
january#2023 january@2024 january2024! january#2024 january@2025 january2025! january#2025
january@2026 january2026! january#2026 december! december1! december12! december123!
december1234! december12345! december@1 december@12 december@123 december@1234 december#1
december#123 december!1 december!123 december!@# december123!@# december1@ december1#
december123# december1234@ december01! december99! december@2019 december2019! december#2019
december@2020 december2020! december#2020 december@2021 december2021! december#2021
december@2022 december2022! december#2022 december@2023 december2023! december#2023
december@2024 december2024! december#2024 december@2025 december2025! december#2025
december@2026 december2026! december#2026 1qaz!qaz 1qaz@wsx3edc !qaz@wsx #edc4rfv !qaz@wsx#edc
1qaz2wsx#edc zaq1@wsx zaq!2wsx zaq1@wsx#edc 1q2w3e4r! 1q2w3e4r5t! q1w2e3r4t5! q1w2e3r4!
qwe123!@# qwe!@#123 qwer!234 qwer1234! qwerty!23 abc123!@# abc@123 abc!123 abcd@1234 abcd1234!
abcd!234 a1b2c3d4! a1b2c3! 1234qwer! 1234!qwer !@#qwe123 !@#$%^ !@#$%^&* !@#123 !@#$1234
123!@#qwe 123456! 123456!@# 12345678! 123456789! 1234567890! administrator1! root@123 root!123
p@55w0rd p@55word pa55w0rd! pa$$w0rd pa$$w0rd1 pa$$w0rd123 pa$$word1 pa$$word123 p@ssw0rd1234
p@ssw0rd12345 test@123 test123! test1234! user@123 guest@123 demo@123 p@ssw0rd2024 p@ssw0rd2025
`;

export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  `${COMMON} ${DRESSED_UP}`.split(/\s+/).filter((word) => word !== ""),
);
